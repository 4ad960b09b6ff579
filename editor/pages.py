"""The editor's pages: content lists and forms, publishing, history, the audit log, try it.

Every change is saved as a draft revision; residents keep hearing the published one
until a publisher publishes. Publishing and rolling back check the role here, on the
server, whatever the page showed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from editor import account_pages, sign_in, unanswered_pages, zone_pages
from editor.content import Working
from editor.diff import Change, diff_documents
from editor.errors import EntryGone
from editor.forms import (
    GROUPS,
    MAX_TEXT,
    SECTION_BY_SLUG,
    SECTIONS,
    Errors,
    Section,
    choice_options,
    entries_of,
    entry_key,
    entry_values,
    find_entry,
    read_entry,
)
from editor.guard import page, refusal, see_other
from editor.state import EDITOR, SESSION
from knowledge_base.errors import ContentError

log = logging.getLogger(__name__)

MAX_UTTERANCE = 500
_CONTENT_PATH = re.compile(r"^content\.([\w.]+)\[(\d+)\]\.([\w.]+?)(?:\[\d+\])?: (.*)$", re.DOTALL)


def add_routes(app: web.Application, *, static_dir: Path) -> None:
    sections = "|".join(s.slug for s in SECTIONS)
    router = app.router
    router.add_get("/", index, name="index")
    sign = router.add_resource("/sign-in", name="sign_in")
    sign.add_route("GET", sign_in.sign_in_form)
    sign.add_route("POST", sign_in.sign_in)
    router.add_post("/sign-out", sign_in.sign_out, name="sign_out")
    listing = router.add_resource(f"/{{section:{sections}}}", name="list")
    listing.add_route("GET", list_entries)
    new = router.add_resource(f"/{{section:{sections}}}/new", name="new")
    new.add_route("GET", new_form)
    new.add_route("POST", save_entry)
    edit = router.add_resource(f"/{{section:{sections}}}/{{key:[a-z0-9_-]+}}", name="edit")
    edit.add_route("GET", edit_form)
    edit.add_route("POST", save_entry)
    publish = router.add_resource("/publish", name="publish")
    publish.add_route("GET", review)
    publish.add_route("POST", publish_draft)
    router.add_get("/history", history, name="history")
    router.add_get(r"/history/{revision:\d{1,12}}", revision, name="revision")
    router.add_post(r"/history/{revision:\d{1,12}}/rollback", rollback, name="rollback")
    router.add_get("/audit", audit, name="audit")
    router.add_get("/unanswered", unanswered_pages.unanswered, name="unanswered")
    zone_pages.add_routes(router)
    tryit = router.add_resource("/try", name="try_it")
    tryit.add_route("GET", try_form)
    tryit.add_route("POST", try_utterance)
    accounts = router.add_resource("/accounts", name="accounts")
    accounts.add_route("GET", account_pages.accounts_page)
    accounts.add_route("POST", account_pages.accounts_change)
    password = router.add_resource("/password", name="password")
    password.add_route("GET", account_pages.password_page)
    password.add_route("POST", account_pages.password_change)
    router.add_static("/static", static_dir, name="static")


async def index(request: web.Request) -> web.StreamResponse:
    return see_other(str(request.app.router["list"].url_for(section=SECTIONS[0].slug)))


# --------------------------------------------------------------------------- lists


async def list_entries(request: web.Request) -> web.StreamResponse:
    section = SECTION_BY_SLUG[request.match_info["section"]]
    working = await request.app[EDITOR].workspace.working()
    query = request.query.get("q", "").strip()
    chosen = request.query.get("filter", "")
    published = {entry_key(section, e): e for e in entries_of(section, working.published)}
    rows = []
    for entry in entries_of(section, working.document):
        if section.filter_field and chosen and entry.get(section.filter_field) != chosen:
            continue
        if query and query.lower() not in _haystack(section, entry):
            continue
        key = entry_key(section, entry)
        rows.append({
            "key": key,
            "cells": [_cell(section, path, entry, working.document) for path in section.columns],
            "state": "new" if key not in published else
                     "changed" if published[key] != entry else "",
        })  # fmt: skip
    filters = []
    if section.filter_field:
        spec = section.field(section.filter_field)
        assert spec is not None
        filters = choice_options(spec, working.document)
    return page(request, "list.html", {
        "section": section,
        "rows": rows,
        "total": len(entries_of(section, working.document)),
        "query": query,
        "chosen": chosen,
        "filters": filters,
        "headings": [_heading(section, path) for path in section.columns],
        "working": working,
    })  # fmt: skip


def _haystack(section: Section, entry: Mapping[str, Any]) -> str:
    values = entry_values(section, entry)
    return " ".join([entry_key(section, entry), *values.values()]).lower()


def _heading(section: Section, path: str) -> str:
    spec = section.field(path)
    return spec.label if spec else path


def _cell(section: Section, path: str, entry: Mapping[str, Any], document: Any) -> str:
    spec = section.field(path)
    value = entry_values(section, entry).get(path, "")
    if spec is not None and spec.kind == "choice":
        labels = dict(choice_options(spec, document))
        return labels.get(value, value) if value or spec.required else labels.get("", "")
    if len(value) > 90:
        return value[:89] + "…"
    return value or "—"


# --------------------------------------------------------------------------- forms


async def new_form(request: web.Request) -> web.StreamResponse:
    section = SECTION_BY_SLUG[request.match_info["section"]]
    working = await request.app[EDITOR].workspace.working()
    # Fields may come filled in from a link (an unanswered question starts an FAQ article).
    if not section.can_add:
        return refusal(
            request,
            404,
            "Not found",
            f"New {section.title.lower()} are added with the speech model, not here.",
        )
    blank = {spec.path: request.query.get(spec.path, "")[:MAX_TEXT]
             for spec in section.fields_for(working.document)}  # fmt: skip
    return _edit_page(request, section, working, key=None, values=blank, errors={})


async def edit_form(request: web.Request) -> web.StreamResponse:
    section = SECTION_BY_SLUG[request.match_info["section"]]
    key = request.match_info["key"]
    working = await request.app[EDITOR].workspace.working()
    entries = entries_of(section, working.document)
    index = find_entry(section, entries, key)
    if index is None:
        return _missing(request, section)
    values = entry_values(section, entries[index], working.document)
    saved = request.query.get("saved")
    return _edit_page(request, section, working, key=key, values=values, errors={},
                      saved=int(saved) if saved and saved.isdigit() else None)  # fmt: skip


async def save_entry(request: web.Request) -> web.StreamResponse:
    """Save a form as a new draft revision, or show it again with what to fix."""
    editor = request.app[EDITOR]
    section = SECTION_BY_SLUG[request.match_info["section"]]
    key = request.match_info.get("key")
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    working = await editor.workspace.working()
    entries = entries_of(section, working.document)
    index = None if key is None else find_entry(section, entries, key)
    if (key is not None and index is None) or (key is None and not section.can_add):
        return _missing(request, section)
    result = read_entry(section, form, working.document, index)
    if result.entry is None:
        return _edit_page(request, section, working, key=key, values=result.values,
                          errors=result.errors, status=422)  # fmt: skip
    entry = result.entry
    new_key = entry_key(section, entry)
    author = request[SESSION].account.name
    label = str(entry.get(section.label, new_key))
    note = " ".join(form.get("note", "").split())[:200] or (
        f"{'edited' if key else 'added'} {section.singular} {label}"
    )
    try:
        revision_id = await editor.workspace.save_entry(
            section.where,
            None if key is None else (lambda e: entry_key(section, e) == key),
            entry,
            author=author,
            note=note,
        )
    except ContentError as exc:
        errors, general = _content_error(section, exc, working.document)
        return _edit_page(request, section, working, key=key, values=result.values,
                          errors=errors, general=general, status=422)  # fmt: skip
    except EntryGone:
        return _missing(request, section)
    before = {} if index is None else entries[index]
    changes = diff_documents({section.key: [before] if before else []}, {section.key: [entry]})
    await editor.audit.record(author, "saved draft" if key else "added",
                              f"{section.singular} {label}", _summary(changes))  # fmt: skip
    target = request.app.router["edit"].url_for(section=section.slug, key=new_key)
    return see_other(str(target.with_query(saved=str(revision_id))))


def _edit_page(
    request: web.Request,
    section: Section,
    working: Working,
    *,
    key: str | None,
    values: dict[str, str],
    errors: Errors,
    general: list[str] | None = None,
    saved: int | None = None,
    status: int = 200,
) -> web.Response:
    document = working.document
    blocks: list[dict[str, Any]] = []  # single fields, and groups of fields under one heading
    specs = section.fields_for(document)
    for spec in specs:
        item = {
            "spec": spec,
            "options": choice_options(spec, document) if spec.kind == "choice" else [],
        }
        if spec.group and blocks and blocks[-1]["group"] == spec.group:
            blocks[-1]["items"].append(item)
        else:
            heading, hint = GROUPS.get(spec.group, ("", ""))
            blocks.append({"group": spec.group, "heading": heading, "hint": hint,
                           "items": [item]})  # fmt: skip
    published_entry = None
    entries = entries_of(section, document)
    if key is not None:
        published_entries = entries_of(section, working.published)
        found = find_entry(section, published_entries, key)
        published_entry = None if found is None else published_entries[found]
    current = None if key is None else find_entry(section, entries, key)
    return page(request, "edit.html", {
        "section": section,
        "key": key,
        "blocks": blocks,
        "values": values,
        "errors": errors,
        "general": general or [],
        "saved": saved,
        "working": working,
        "preview": _preview(section, values, document) if not errors else None,
        "unpublished": key is not None and (
            published_entry is None or current is None
            or published_entry != entries[current]
        ),
        "labels": {spec.path: spec.label for spec in specs},
        "facts": section.facts(entries[current]) if section.facts and current is not None else [],
    }, status=status)  # fmt: skip


def _preview(section: Section, values: Mapping[str, str], document: Any) -> str | None:
    """What a resident hears from this entry, as the answer is put together."""
    if section.key == "waste_items":
        template = document["disposal_methods"].get(values.get("disposal", ""))
        if not template or not values.get("name"):
            return None
        spoken = str(template).replace("{item}", values["name"])
        return f"{spoken} {values['tip']}" if values.get("tip") else spoken
    if section.key == "faq":
        return values.get("answer") or None
    if section.key == "alerts":
        return values.get("message") or None
    if section.key == "agencies" and values.get("name") and values.get("phone"):
        name = values["name"][:1].upper() + values["name"][1:]
        return f"{name}: call {values['phone']}, or go to {values.get('website') or 'its website'}."
    if section.key == "service_types":
        return " ".join(v for v in (values.get("description"), values.get("contact_reason")) if v)
    return None


def _content_error(
    section: Section, exc: ContentError, document: Mapping[str, Any]
) -> tuple[Errors, list[str]]:
    """The content model's refusal, put next to the field it names when it is on the form."""
    match = _CONTENT_PATH.match(str(exc))
    on_form = {spec.path for spec in section.fields_for(document)}
    if match and match[1] == ".".join(section.where) and match[3] in on_form:
        return {match[3]: [match[4][0].upper() + match[4][1:] + "."]}, []
    return {}, [f"This change would make the content invalid: {exc}"]


def _missing(request: web.Request, section: Section) -> web.Response:
    return refusal(request, 404, "Not found",
                   f"There is no such {section.singular} in the draft; it may have been "
                   "removed or renamed.")  # fmt: skip


def _summary(changes: list[Change]) -> str:
    parts = []
    for change in changes:
        for field in change.fields:
            if change.kind == "added":
                parts.append(f"{field.field}: {field.new}")
            else:
                parts.append(f"{field.field}: {field.old or '—'} → {field.new or '—'}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- publishing


async def review(request: web.Request) -> web.StreamResponse:
    working = await request.app[EDITOR].workspace.working()
    changes = diff_documents(working.published, working.document) if working.has_draft else []
    return page(request, "publish.html", {"working": working, "changes": changes})


async def publish_draft(request: web.Request) -> web.StreamResponse:
    editor = request.app[EDITOR]
    account = request[SESSION].account
    if not account.can_publish:
        return refusal(request, 403, "Only publishers can publish",
                       f"You are signed in as {account.name}, {_article(account.role)}. "
                       "Your draft is saved; ask a publisher to publish it.")  # fmt: skip
    form = await request.post()
    draft_id = str(form.get("draft_id", ""))
    working = await editor.workspace.working()
    if not draft_id.isdigit() or not await editor.workspace.publish(
        int(draft_id), author=account.name
    ):
        return refusal(request, 409, "The draft has changed",
                       "Someone saved or published a change since you opened the review. "
                       "Nothing was published; review the draft again.")  # fmt: skip
    changes = diff_documents(working.published, working.document)
    await editor.audit.record(account.name, "published", f"revision {draft_id}",
                              _summary(changes))  # fmt: skip
    return see_other(str(request.app.router["history"].url_for().with_query(
        published=draft_id)))  # fmt: skip


async def history(request: web.Request) -> web.StreamResponse:
    workspace = request.app[EDITOR].workspace
    working = await workspace.working()
    revisions = await workspace.revisions(100)
    published = request.query.get("published")
    rolled = request.query.get("rolled_back")
    return page(request, "history.html", {
        "revisions": revisions,
        "working": working,
        "published_now": published if published and published.isdigit() else None,
        "rolled_back": rolled if rolled and rolled.isdigit() else None,
    })  # fmt: skip


async def revision(request: web.Request) -> web.StreamResponse:
    workspace = request.app[EDITOR].workspace
    revision_id = int(request.match_info["revision"])
    revisions = await workspace.revisions(1000)
    found = next((r for r in revisions if r.id == revision_id), None)
    if found is None:
        return refusal(request, 404, "Not found", f"There is no revision {revision_id}.")
    previous = max((r.id for r in revisions if r.id < revision_id), default=None)
    document = await workspace.document(revision_id)
    before = await workspace.document(previous) if previous is not None else {}
    return page(request, "revision.html", {
        "revision": found,
        "previous": previous,
        "changes": diff_documents(before, document),
        "working": await workspace.working(),
    })  # fmt: skip


async def rollback(request: web.Request) -> web.StreamResponse:
    editor = request.app[EDITOR]
    account = request[SESSION].account
    revision_id = int(request.match_info["revision"])
    if not account.can_publish:
        return refusal(request, 403, "Only publishers can roll back",
                       f"You are signed in as {account.name}, {_article(account.role)}. Ask a "
                       "publisher to roll back.")  # fmt: skip
    new_id = await editor.workspace.rollback(revision_id, author=account.name)
    await editor.audit.record(account.name, "rolled back", f"revision {revision_id}",
                              f"published again as revision {new_id}")  # fmt: skip
    return see_other(str(request.app.router["history"].url_for().with_query(
        rolled_back=str(new_id))))  # fmt: skip


def _article(role: str) -> str:
    return f"{'an' if role[0] in 'aeiou' else 'a'} {role}"


# --------------------------------------------------------------------------- audit, try it


async def audit(request: web.Request) -> web.StreamResponse:
    actor = request.query.get("actor", "").strip()
    entries = await request.app[EDITOR].audit.recent(limit=200, actor=actor or None)
    return page(request, "audit.html", {"entries": entries, "actor": actor})


async def try_form(request: web.Request) -> web.StreamResponse:
    working = await request.app[EDITOR].workspace.working()
    return _try_page(request, working, utterance="", reply=None, error=None)


async def try_utterance(request: web.Request) -> web.StreamResponse:
    editor = request.app[EDITOR]
    form = await request.post()
    utterance = " ".join(str(form.get("utterance", "")).split())
    working = await editor.workspace.working()
    if not utterance:
        return _try_page(request, working, utterance="", reply=None, status=422,
                         error="Type what a resident might say.")  # fmt: skip
    if len(utterance) > MAX_UTTERANCE:
        return _try_page(request, working, utterance=utterance, reply=None, status=422,
                         error=f"Keep it under {MAX_UTTERANCE} characters.")  # fmt: skip
    if editor.try_it is None:
        return _try_page(request, working, utterance=utterance, reply=None, status=503,
                         error="Try it is not connected in this setup.")  # fmt: skip
    try:
        reply = await editor.try_it(utterance, working.document)
    except Exception:  # the pipeline's failure must not take the editor page down
        log.exception("try it failed")
        return _try_page(request, working, utterance=utterance, reply=None, status=502,
                         error="The assistant could not answer just now. Nothing was "
                               "changed; try again.")  # fmt: skip
    return _try_page(request, working, utterance=utterance, reply=reply, error=None)


def _try_page(
    request: web.Request,
    working: Working,
    *,
    utterance: str,
    reply: str | None,
    error: str | None,
    status: int = 200,
) -> web.Response:
    return page(request, "try.html", {
        "working": working,
        "utterance": utterance,
        "reply": reply,
        "error": error,
        "available": request.app[EDITOR].try_it is not None,
    }, status=status)  # fmt: skip
