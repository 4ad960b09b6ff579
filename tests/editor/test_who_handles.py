"""Who handles what and service types over real HTTP: agencies, responsibilities (with
one exception row per town), Regional roads and service types are listed and edited as
drafts; a bad value is refused next to its field, and what was typed comes back."""

from __future__ import annotations

import html
import re
from typing import Any

from editor.forms import SECTION_BY_SLUG, entry_values
from knowledge_base import ContentStore
from tests.editor.conftest import Client, sign_in


def working(store: ContentStore) -> dict[str, Any]:
    draft = store.draft()
    return draft[1] if draft else store.document(store.published_id() or 0)


def form_of(store: ContentStore, slug: str, key: str, token: str) -> dict[str, str]:
    """The form as the edit page submits it, filled from the entry `key`."""
    section = SECTION_BY_SLUG[slug]
    document = working(store)
    entries: Any = document
    for part in section.where:
        entries = entries[part]
    entry = next(e for e in entries if str(e.get(section.id_field or "name")) == key)
    return {"csrf_token": token, **entry_values(section, entry, document)}


def errors_next_to(page: str, dom_id: str) -> str:
    """The error list shown under the field whose input has id `dom_id`, as text."""
    found = re.search(rf'<ul class="field-errors" id="{dom_id}-error">(.*?)</ul>', page, re.S)
    assert found, f"no errors shown next to {dom_id}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


async def test_lists_show_agencies_duties_roads_and_service_types(client: Client) -> None:
    await sign_in(client, "erin")
    agencies = await (await client.get("/admin/agencies")).text()
    assert "the City of Oshawa" in agencies and "905-436-3311" in agencies
    duties = await (await client.get("/admin/who-handles", params={"q": "parking"})).text()
    assert 'href="/admin/who-handles/parking"' in duties
    assert 'href="/admin/who-handles/garbage_collection"' not in duties
    roads = await (await client.get("/admin/regional-roads")).text()
    assert 'href="/admin/regional-roads/simcoe-street"' in roads
    kinds = await (await client.get("/admin/service-types")).text()
    assert 'href="/admin/service-types/damaged_bin"' in kinds
    assert "/admin/service-types/new" not in kinds  # added with the speech model only
    edit = await (await client.get("/admin/service-types/missed_collection")).text()
    assert "Questions asked when reporting" in edit and "What was missed" in edit
    duty = await (await client.get("/admin/who-handles/garbage_collection")).text()
    oshawa = duty[duty.index('id="f-by_municipality-oshawa"') :]
    assert re.match(r'[^>]*>\s*<option value="">As above</option>', oshawa)
    assert '<option value="local" selected>' in oshawa[: oshawa.index("</select>")]


async def test_an_agencys_new_phone_is_saved_as_a_draft(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    form = form_of(content_store, "agencies", "oshawa", token) | {"phone": "905-436-5000"}
    response = await client.post("/admin/agencies/oshawa", data=form)
    assert response.status == 200 and "Saved as draft revision" in await response.text()
    agencies = working(content_store)["who_handles"]["agencies"]
    assert next(a for a in agencies if a["id"] == "oshawa")["phone"] == "905-436-5000"
    published = content_store.document(content_store.published_id() or 0)
    old = next(a for a in published["who_handles"]["agencies"] if a["id"] == "oshawa")
    assert old["phone"] == "905-436-3311"  # residents hear the old number until published
    audit = await (await client.get("/admin/audit")).text()
    assert "agency the City of Oshawa" in audit and "905-436-5000" in audit
    review = await client.get("/admin/publish")
    assert review.status == 200 and "905-436-5000" in await review.text()


async def test_a_bad_phone_and_website_are_refused_next_to_their_fields(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    form = form_of(content_store, "agencies", "ajax", token)
    form |= {"phone": "call us", "website": "https://www.ajax.ca/contact"}
    response = await client.post("/admin/agencies/ajax", data=form)
    page = await response.text()
    assert response.status == 422
    assert "as dialled" in errors_next_to(page, "f-phone")
    assert "web or email address" in errors_next_to(page, "f-website")
    assert 'value="call us"' in page and 'value="https://www.ajax.ca/contact"' in page
    assert content_store.draft() is None


async def test_a_responsibility_handled_by_an_unknown_body_is_refused(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    form = form_of(content_store, "who-handles", "parking", token)
    form |= {"handled_by": "the-moon", "keywords": "parking ticket, towed car"}
    response = await client.post("/admin/who-handles/parking", data=form)
    page = await response.text()
    assert response.status == 422
    assert "Choose one of the options" in errors_next_to(page, "f-handled_by")
    assert "parking ticket, towed car" in page  # what was typed is kept
    assert content_store.draft() is None


async def test_town_exceptions_and_keywords_are_saved_per_row(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    form = form_of(content_store, "who-handles", "garbage_collection", token)
    form |= {"by_municipality.whitby": "", "by_municipality.ajax": "local",
             "keywords": "garbage pickup, Trash Day"}  # fmt: skip
    response = await client.post("/admin/who-handles/garbage_collection", data=form)
    assert response.status == 200, await response.text()
    duties = working(content_store)["who_handles"]["responsibilities"]
    duty = next(d for d in duties if d["id"] == "garbage_collection")
    assert duty["by_municipality"] == {"oshawa": "local", "ajax": "local"}
    assert duty["keywords"] == ["garbage pickup", "trash day"]
    # Clearing every exception leaves none behind, as the content writes it.
    form = form_of(content_store, "who-handles", "garbage_collection", token)
    form |= {"by_municipality.oshawa": "", "by_municipality.ajax": "", "keywords": ""}
    response = await client.post("/admin/who-handles/garbage_collection", data=form)
    assert response.status == 200
    duties = working(content_store)["who_handles"]["responsibilities"]
    duty = next(d for d in duties if d["id"] == "garbage_collection")
    assert "by_municipality" not in duty and "keywords" not in duty


async def test_a_regional_road_in_an_unknown_town_is_refused_next_to_the_field(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    form = form_of(content_store, "regional-roads", "simcoe street", token)
    form |= {"number": "two", "municipalities": "oshawa, toronto"}
    response = await client.post("/admin/regional-roads/simcoe-street", data=form)
    page = await response.text()
    assert response.status == 422
    assert "whole number" in errors_next_to(page, "f-number")
    form["number"] = "2"
    response = await client.post("/admin/regional-roads/simcoe-street", data=form)
    page = await response.text()
    assert response.status == 422
    assert "'toronto' is not a municipality" in errors_next_to(page, "f-municipalities")
    assert "oshawa, toronto" in page
    assert content_store.draft() is None


async def test_a_service_type_asking_for_a_phone_needs_a_reason(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    form = form_of(content_store, "service-types", "pothole", token)
    form |= {"contact": "phone", "contact_reason": "", "spoken": "a big pothole"}
    response = await client.post("/admin/service-types/pothole", data=form)
    page = await response.text()
    assert response.status == 422
    assert "Say why the crew needs" in errors_next_to(page, "f-contact_reason")
    assert 'value="a big pothole"' in page
    assert '<option value="phone" selected>' in page
    assert content_store.draft() is None
    form |= {"contact_reason": "The crew calls if they can't find it."}
    response = await client.post("/admin/service-types/pothole", data=form)
    assert response.status == 200, await response.text()
    kind = next(t for t in working(content_store)["service_types"] if t["code"] == "pothole")
    assert kind["contact"] == "phone" and kind["spoken"] == "a big pothole"
    assert kind["attributes"][0]["code"] == "size"  # the read-only questions are kept


async def test_a_service_description_must_read_well_aloud(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    form = form_of(content_store, "service-types", "pothole", token)
    long = "A hole in the road " * 13 + "see www.durham.ca/roads"
    form |= {"description": long, "responsibility": "nobody"}
    response = await client.post("/admin/service-types/pothole", data=form)
    page = await response.text()
    assert response.status == 422
    spoken = errors_next_to(page, "f-description")
    assert "words: a spoken answer must be 60 words or fewer" in spoken
    assert "web or email address" in spoken
    assert "Choose one of the options" in errors_next_to(page, "f-responsibility")
    assert html.escape(long.strip()) in page or long.strip() in page
