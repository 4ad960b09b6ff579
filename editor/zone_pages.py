"""Pages for collection zones: the list (which town, which day, how many streets) and a
zone's form (its weekday, garbage anchor and streets, one per row)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from editor.content import Working
from editor.errors import EntryGone
from editor.forms import Errors
from editor.guard import page, refusal, see_other
from editor.state import EDITOR, SESSION
from editor.zones import (
    BLANK_ROWS,
    KEY,
    SIDE_LABELS,
    WORKDAYS,
    StreetRow,
    content_errors,
    read_zone,
    street_text,
    zone_rows,
    zone_values,
)
from knowledge_base.errors import ContentError


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/zones", zone_list, name="zones")
    zone = router.add_resource("/zones/{key:[a-z0-9-]+}", name="zone")
    zone.add_route("GET", zone_form)
    zone.add_route("POST", save_zone)


async def zone_list(request: web.Request) -> web.StreamResponse:
    working = await request.app[EDITOR].workspace.working()
    query = " ".join(request.query.get("q", "").split()).lower()
    town = request.query.get("town", "")
    towns = {m["id"]: m["name"] for m in working.document["municipalities"]}
    published = {z["id"]: z for z in working.published[KEY]}
    rows = []
    for zone in working.document[KEY]:
        streets = [street_text(s) for s in zone["streets"]]
        haystack = " ".join([zone["id"], towns.get(zone["municipality"], ""), *streets]).lower()
        if (town and zone["municipality"] != town) or (query and query not in haystack):
            continue
        rows.append({
            "zone": zone,
            "town": towns.get(zone["municipality"], zone["municipality"]),
            "streets": len(streets),
            "matching": [s for s in streets if query and query in s.lower()][:5],
            "state": "new" if zone["id"] not in published else
                     "changed" if published[zone["id"]] != zone else "",
        })  # fmt: skip
    return page(request, "zones.html", {
        "rows": rows, "total": len(working.document[KEY]), "query": query, "town": town,
        "towns": towns, "working": working,
    })  # fmt: skip


async def zone_form(request: web.Request) -> web.StreamResponse:
    working = await request.app[EDITOR].workspace.working()
    index = _find(working, request.match_info["key"])
    if index is None:
        return _missing(request)
    zone = working.document[KEY][index]
    saved = request.query.get("saved")
    return _zone_page(request, working, index, zone_values(zone), zone_rows(zone), {},
                      saved=int(saved) if saved and saved.isdigit() else None)  # fmt: skip


async def save_zone(request: web.Request) -> web.StreamResponse:
    """Save the zone as a new draft revision, or show the form again with what to fix."""
    editor = request.app[EDITOR]
    key = request.match_info["key"]
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    working = await editor.workspace.working()
    index = _find(working, key)
    if index is None:
        return _missing(request)
    before = working.document[KEY][index]
    result = read_zone(form, before)
    if result.entry is None:
        return _zone_page(request, working, index, result.values, result.rows, result.errors,
                          status=422)  # fmt: skip
    author = request[SESSION].account.name
    note = " ".join(form.get("note", "").split())[:200] or f"edited collection zone {key}"
    try:
        revision_id = await editor.workspace.save_entry(
            KEY, lambda z: z.get("id") == key, result.entry, author=author, note=note
        )
    except ContentError as exc:
        placed = content_errors(str(exc), index, result.row_of)
        general = [] if placed else [f"This change would make the content invalid: {exc}"]
        return _zone_page(request, working, index, result.values, result.rows, placed or {},
                          general=general, status=422)  # fmt: skip
    except EntryGone:
        return _missing(request)
    await editor.audit.record(author, "saved draft", f"collection zone {key}",
                              _summary(before, result.entry))  # fmt: skip
    target = request.app.router["zone"].url_for(key=key).with_query(saved=str(revision_id))
    return see_other(str(target))


def _find(working: Working, key: str) -> int | None:
    return next((i for i, z in enumerate(working.document[KEY]) if z.get("id") == key), None)


def _zone_page(
    request: web.Request,
    working: Working,
    index: int,
    values: dict[str, str],
    rows: list[StreetRow],
    errors: Errors,
    *,
    general: list[str] | None = None,
    saved: int | None = None,
    status: int = 200,
) -> web.Response:
    zone = working.document[KEY][index]
    towns = {m["id"]: m["name"] for m in working.document["municipalities"]}
    published = next((z for z in working.published[KEY] if z["id"] == zone["id"]), None)
    row_errors = sum(len(v) for k, v in errors.items() if k.startswith("streets."))
    return page(request, "zone.html", {
        "zone": zone,
        "town": towns.get(zone["municipality"], zone["municipality"]),
        "values": values,
        "rows": [*rows, *[StreetRow() for _ in range(BLANK_ROWS)]],
        "errors": errors,
        "row_errors": row_errors,
        "general": general or [],
        "saved": saved,
        "weekdays": WORKDAYS,
        "sides": SIDE_LABELS,
        "working": working,
        "unpublished": published != zone,
    }, status=status)  # fmt: skip


def _summary(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """What a save changed, for the audit log."""
    parts = [
        f"{name}: {before.get(name)} → {after.get(name)}"
        for name in ("weekday", "garbage_anchor")
        if before.get(name) != after.get(name)
    ]
    old = [street_text(s) for s in before.get("streets", [])]
    new = [street_text(s) for s in after.get("streets", [])]
    added = [s for s in new if s not in old]
    removed = [s for s in old if s not in new]
    if added:
        parts.append("streets added: " + ", ".join(added))
    if removed:
        parts.append("streets removed: " + ", ".join(removed))
    return "; ".join(parts)


def _missing(request: web.Request) -> web.Response:
    return refusal(
        request, 404, "Not found", "There is no such collection zone in the draft; it may have "
        "been removed."
    )  # fmt: skip
