"""Collection zones over real HTTP: the list, and a zone's weekday, garbage anchor and
streets (whole streets and parts with house numbers and sides) edited row by row, with
each problem next to its row, nothing typed lost, and a house two zones claim refused
with both zones named."""

from __future__ import annotations

import html
import re
from typing import Any

from editor.zones import content_errors, read_zone
from knowledge_base import ContentStore
from tests.editor.conftest import Client, sign_in

AJAX_A = "/admin/zones/ajax-a"
AJAX_B = "/admin/zones/ajax-b"


def zone_doc(store: ContentStore, zone_id: str) -> dict[str, Any]:
    draft = store.draft()
    document = draft[1] if draft else store.document(store.published_id() or 0)
    return next(z for z in document["collection_zones"] if z["id"] == zone_id)


def zone_form(
    token: str, zone: dict[str, Any], extra: list[tuple[str, str, str, str]]
) -> dict[str, str]:
    """The form as the page submits it: every street of `zone`, then `extra` rows."""
    form = {"csrf_token": token, "weekday": zone["weekday"],
            "garbage_anchor": str(zone["garbage_anchor"])}  # fmt: skip
    rows: list[tuple[str, str, str, str]] = []
    for street in zone["streets"]:
        if isinstance(street, dict):
            rows.append((street["street"], str(street["from"]), str(street["to"]),
                         street.get("side", "all")))  # fmt: skip
        else:
            rows.append((street, "", "", "all"))
    for n, (street, start, end, side) in enumerate([*rows, *extra, ("", "", "", "all")]):
        form.update({f"street-{n}": street, f"from-{n}": start, f"to-{n}": end,
                     f"side-{n}": side})  # fmt: skip
    return form


def cell_errors(page: str, dom_id: str) -> str:
    """The errors shown right under the input with id `dom_id`, as text."""
    start = page.index(f'id="{dom_id}"')
    end = page.index("</td>", start)
    return html.unescape(re.sub(r"<[^>]+>", " ", page[start:end]))


async def test_the_list_shows_and_finds_zones(client: Client) -> None:
    await sign_in(client, "erin")
    page = await (await client.get("/admin/zones")).text()
    assert 'href="/admin/zones/ajax-a"' in page
    row = page[page.index('href="/admin/zones/ajax-a"') :]
    row = row[: row.index("</tr>")]
    assert "Ajax" in row and "Monday" in row and "2026-11-16" in row
    assert '<td class="number">8</td>' in row
    found = await (await client.get("/admin/zones", params={"q": "kingston road"})).text()
    assert "ajax-b" in found and "ajax-a" not in found
    assert "kingston road east" in found
    town = await (await client.get("/admin/zones", params={"town": "ajax"})).text()
    assert "Showing 3 of" in town or "ajax-c" in town
    assert "/admin/zones/ajax-a" in town and "oshawa" not in town.split("<tbody>")[1]


async def test_a_street_split_between_two_zones_by_house_numbers(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    page = await (await client.get(AJAX_A)).text()
    assert 'value="bayly street east"' in page and 'value="2026-11-16"' in page
    zone = zone_doc(content_store, "ajax-a")
    form = zone_form(token, zone, [])
    form.update({"from-0": "1", "to-0": "499", "side-0": "odd"})  # bayly street east, odd part
    saved = await client.post(AJAX_A, data=form)
    assert saved.status == 200 and "Saved as draft revision" in await saved.text()
    first = zone_doc(content_store, "ajax-a")["streets"][0]
    assert first == {"street": "bayly street east", "from": 1, "to": 499, "side": "odd"}

    zone = zone_doc(content_store, "ajax-b")
    form = zone_form(token, zone, [("Bayly Street East", "2", "498", "even"),
                                   ("bayly street east", "501", "999", "all")])  # fmt: skip
    saved = await client.post(AJAX_B, data=form)
    page = await saved.text()
    assert saved.status == 200, page
    streets = zone_doc(content_store, "ajax-b")["streets"]
    assert {"street": "bayly street east", "from": 2, "to": 498, "side": "even"} in streets
    assert {"street": "bayly street east", "from": 501, "to": 999, "side": "all"} in streets
    assert 'value="501"' in page and 'value="999"' in page  # shown again as rows

    listing = await (await client.get("/admin/zones", params={"q": "bayly"})).text()
    assert "bayly street east 1 to 499, odd numbers" in listing
    assert "Changed in draft" in listing


async def test_a_house_two_zones_claim_is_refused_naming_both(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    before = len(content_store.revisions())
    # ajax-b comes after ajax-a in the content: its claim is the second one.
    zone = zone_doc(content_store, "ajax-b")
    rows = len(zone["streets"])
    response = await client.post(AJAX_B, data=zone_form(token, zone, [
        ("bayly street east", "100", "120", "even")]))  # fmt: skip
    page = await response.text()
    assert response.status == 422
    message = cell_errors(page, f"f-streets-{rows}-street")
    assert "ajax-a" in message and "ajax-b" in message and "one zone only" in message
    assert "content.collection_zones" not in message
    assert 'value="100"' in page and 'value="120"' in page  # nothing typed lost

    # ajax-a claims a street ajax-b has: the model finds it at ajax-b's row, and the
    # editor still puts it on ajax-a's new row.
    zone = zone_doc(content_store, "ajax-a")
    rows = len(zone["streets"])
    response = await client.post(AJAX_A, data=zone_form(token, zone, [
        ("kingston road east", "", "", "all")]))  # fmt: skip
    page = await response.text()
    assert response.status == 422
    message = cell_errors(page, f"f-streets-{rows}-street")
    assert "ajax-a" in message and "ajax-b" in message
    assert len(content_store.revisions()) == before


async def test_each_problem_is_next_to_its_row_and_nothing_typed_is_lost(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    before = len(content_store.revisions())
    zone = zone_doc(content_store, "ajax-a")
    n = len(zone["streets"])
    form = zone_form(token, zone, [
        ("pickering beach road", "abc", "20", "all"),
        ("lakeview boulevard", "50", "10", "odd"),
        ("", "5", "9", "all"),
        ("Finley Ave.", "", "", "all"),
        ("clements road", "", "", "even"),
    ])  # fmt: skip
    form["garbage_anchor"] = "2026-11-17"  # a Tuesday; the zone collects on Monday
    response = await client.post(AJAX_A, data=form)
    page = await response.text()
    assert response.status == 422
    assert "Nothing was saved" in page
    assert "Tuesday" in cell_or_field(page, "f-garbage_anchor-error")
    assert "whole number" in cell_errors(page, f"f-streets-{n}-from")
    assert "below from (50)" in cell_errors(page, f"f-streets-{n + 1}-to")
    assert "street's name" in cell_errors(page, f"f-streets-{n + 2}-street")
    assert "Avenue" in cell_errors(page, f"f-streets-{n + 3}-street")
    assert "one side" in cell_errors(page, f"f-streets-{n + 4}-from")
    for typed in ('value="abc"', 'value="lakeview boulevard"', 'value="Finley Ave."',
                  'value="2026-11-17"', 'value="clements road"'):  # fmt: skip
        assert typed in page, typed
    assert len(content_store.revisions()) == before


def cell_or_field(page: str, error_id: str) -> str:
    start = page.index(f'id="{error_id}"')
    return page[start : page.index("</ul>", start)]


async def test_a_ticked_row_is_removed(client: Client, content_store: ContentStore) -> None:
    token = await sign_in(client, "erin")
    zone = zone_doc(content_store, "ajax-a")
    form = zone_form(token, zone, [])
    form["remove-1"] = "1"
    response = await client.post(AJAX_A, data=form)
    assert response.status == 200
    streets = zone_doc(content_store, "ajax-a")["streets"]
    assert zone["streets"][1] not in streets and len(streets) == len(zone["streets"]) - 1
    history = await (await client.get("/admin/audit")).text()
    assert "streets removed: " + zone["streets"][1] in html.unescape(history)


async def test_an_unknown_zone_is_not_found(client: Client) -> None:
    token = await sign_in(client, "erin")
    assert (await client.get("/admin/zones/no-such-zone")).status == 404
    response = await client.post("/admin/zones/no-such-zone", data={"csrf_token": token})
    assert response.status == 404


def test_reading_rows() -> None:
    zone = {"id": "z", "municipality": "ajax", "weekday": "monday",
            "garbage_anchor": "2026-11-16", "streets": ["a street"]}  # fmt: skip
    result = read_zone({"weekday": "monday", "garbage_anchor": "2026-11-16",
                        "street-0": "a street", "street-1": "  B   Road ", "from-1": "3",
                        "to-1": "9", "side-1": "odd", "street-2": "", "street-3": "c lane",
                        "remove-3": "1"}, zone)  # fmt: skip
    assert result.entry is not None
    assert result.entry["streets"] == [
        "a street", {"street": "b road", "from": 3, "to": 9, "side": "odd"}]  # fmt: skip
    assert result.row_of == (0, 1)
    empty = read_zone({"weekday": "saturday", "garbage_anchor": "2026-11-16"}, zone)
    assert empty.entry is None and "streets" in empty.errors and "weekday" in empty.errors
    placed = content_errors(
        "content.collection_zones[1].streets[4]: zone b's x overlaps zone a's x at "
        "content.collection_zones[0].streets[2]; a house can be in one zone only",
        0,
        (0, 1, 3),
    )
    assert placed == {"streets.3.street": [
        "Zone b's x overlaps zone a's x; a house can be in one zone only."]}  # fmt: skip
    assert content_errors("content.faq[1].answer: too long", 0, ()) is None
