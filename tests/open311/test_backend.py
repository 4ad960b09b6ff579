"""The embedded GeoReport v2 backend over real loopback sockets, on a real SQLite file.

Every JSON answer is validated against the published GeoReport v2 JSON Schemas (and the
swagger's definitions for the POST and token answers, which have no schema file), and
every XML answer is parsed and shown to carry exactly the JSON answer's data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from defusedxml import ElementTree as SafeET
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from open311.backend import create_backend_app
from open311.errors import RequestStoreError
from open311.store import SqliteRequestStore
from open311.types import AttributeValue, Service, ServiceAttribute, ServiceType
from tests.conftest import MONDAY_MORNING, SHARED, free_port

SCHEMAS = SHARED / "open311-schemas"
BASE = "/open311/v2"
API_KEY = "test-key-1"
FORM = "application/x-www-form-urlencoded"
Client = TestClient[web.Request, web.Application]

SERVICES = (
    ServiceType(
        Service("pothole", "Pothole", "A hole in the road", metadata=True,
                keywords=("road", "hole"), group="roads"),
        (
            ServiceAttribute("size", "singlevaluelist", True, "How big is it?", 1, values=(
                AttributeValue("small", "Smaller than a plate"),
                AttributeValue("large", "Larger than a plate"))),
            ServiceAttribute("depth", "number", False, "How deep, in cm?", 2),
        ),
    ),
    ServiceType(
        Service("missed_collection", "Missed collection", metadata=True, type="batch"),
        (
            ServiceAttribute("stream", "singlevaluelist", True, "Which bin?", 1, values=(
                AttributeValue("garbage", "Garbage"), AttributeValue("blue_box", "Blue box"))),
            ServiceAttribute("items", "multivaluelist", False, "What was left?", 2, values=(
                AttributeValue("bag", "Bags"), AttributeValue("bin", "Bins"),
                AttributeValue("box", "Boxes"))),
            ServiceAttribute("note", "string", False, "Collection notes", 3, variable=False),
        ),
    ),
    ServiceType(Service("graffiti", "Graffiti")),
)  # fmt: skip

# What a resident tells us; none of it may appear in a log line or a GET answer.
EMAIL, PHONE, FIRST, LAST = "jane.q@example.org", "905-555-0199", "Janeq", "Residentq"
ADDRESS = "100 Simcoe St N, Oshawa"
POTHOLE = {
    "api_key": API_KEY,
    "service_code": "pothole",
    "lat": "43.8971",
    "long": "-78.8658",
    "address_string": ADDRESS,
    "description": "Deep pothole by the curb",
    "attribute[size]": "large",
    "email": EMAIL,
    "first_name": FIRST,
    "last_name": LAST,
    "phone": PHONE,
}
MISSED = {
    "api_key": API_KEY,
    "service_code": "missed_collection",
    "address_string": "12 Elm St, Whitby",
    "attribute[stream]": "blue_box",
}


# --------------------------------------------------------------------------- schemas


def _registry() -> Registry[Any]:
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT7))
        for path in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(instance: Any, ref: str) -> None:
    """Validate against a schema file (`requests.json`) or a swagger definition."""
    if ref.startswith("#/"):
        ref = f"swagger.json{ref}"
    schema = {"$ref": ref}
    errors = [e.message for e in Draft7Validator(schema, registry=REGISTRY).iter_errors(instance)]
    assert not errors, errors


def validate_list_of(instance: Any, definition: str) -> None:
    assert isinstance(instance, list) and instance
    for item in instance:
        validate(item, f"#/definitions/{definition}")


# --------------------------------------------------------------------------- XML == JSON

LISTS = {
    "services": "service", "service_requests": "request", "errors": "error",
    "attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
}  # fmt: skip


def xml_value(element: Any) -> Any:
    """An XML answer as plain data, lists where the spec has repeated elements."""
    children = list(element)
    if element.tag in LISTS:
        assert all(c.tag == LISTS[element.tag] for c in children), element.tag
        return [xml_value(c) for c in children]
    if children:
        names = [c.tag for c in children]
        assert len(names) == len(set(names)), names
        return {c.tag: xml_value(c) for c in children}
    return element.text


def as_xml_text(value: Any) -> Any:
    """JSON data as XML spells it: booleans true/false, numbers as text, null as empty."""
    if isinstance(value, dict):
        return {k: as_xml_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_xml_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return None if value is None else str(value)


async def get_both(client: Client, path: str, *, root: str) -> Any:
    """GET path.json and path.xml; assert the XML carries the same data; return the JSON."""
    as_json = await client.get(f"{BASE}/{path}.json")
    assert as_json.status == 200, await as_json.text()
    assert as_json.content_type == "application/json" and as_json.charset == "utf-8"
    data = await as_json.json()
    as_xml = await client.get(f"{BASE}/{path}.xml")
    assert as_xml.status == 200
    assert as_xml.content_type == "text/xml"
    body = await as_xml.read()
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    element = SafeET.fromstring(body)
    assert element.tag == root
    assert xml_value(element) == as_xml_text(data)
    return data


async def expect_error(response: Any, status: int, fmt: str, fragment: str = "") -> str:
    """The spec's error list, in `fmt`, with one error whose code is the HTTP status."""
    assert response.status == status, await response.text()
    body = await response.read()
    if fmt == "json":
        assert response.content_type == "application/json"
        (error,) = json.loads(body)
        assert error["code"] == status
        description = error["description"]
    else:
        assert response.content_type == "text/xml"
        root = SafeET.fromstring(body)
        assert root.tag == "errors"
        (error_element,) = list(root)
        assert error_element.tag == "error"
        assert error_element.findtext("code") == str(status)
        description = error_element.findtext("description") or ""
    assert isinstance(description, str) and description
    assert fragment in description
    return description


# --------------------------------------------------------------------------- fixtures


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


Serve = Callable[..., Awaitable[Client]]


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_MORNING)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRequestStore]:
    opened = SqliteRequestStore(tmp_path / "requests.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
async def serve(store: SqliteRequestStore, clock: Clock) -> AsyncIterator[Serve]:
    """Start the backend, mounted as the service mounts it, on a real loopback socket."""
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> Client:
            settings: dict[str, Any] = {
                "services": SERVICES, "store": store, "api_keys": [API_KEY], "clock": clock,
            }  # fmt: skip
            root = web.Application()
            root.add_subapp(f"{BASE}/", create_backend_app(**{**settings, **options}))
            server = TestServer(root, host="127.0.0.1", port=free_port())
            return await stack.enter_async_context(TestClient(server))

        yield start


@pytest.fixture
async def client(serve: Serve) -> Client:
    return await serve()


async def post(
    client: Client,
    fields: dict[str, str] | Sequence[tuple[str, str]],
    fmt: str = "json",
    headers: dict[str, str] | None = None,
) -> Any:
    body = urlencode(list(fields.items()) if isinstance(fields, dict) else list(fields))
    return await client.post(
        f"{BASE}/requests.{fmt}",
        data=body.encode(),
        headers={"Content-Type": FORM, **(headers or {})},
    )


async def create(client: Client, fields: dict[str, str] = POTHOLE) -> str:
    response = await post(client, fields)
    assert response.status == 200, await response.text()
    (receipt,) = await response.json()
    return str(receipt["service_request_id"])


# --------------------------------------------------------------------------- reading


async def test_discovery_names_this_endpoint_and_its_formats(client: Client) -> None:
    data = await get_both(client, "discovery", root="discovery")
    (endpoint,) = data["endpoints"]
    assert endpoint["url"] == f"http://127.0.0.1:{client.port}{BASE}/"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert datetime.fromisoformat(data["changeset"]) == MONDAY_MORNING


async def test_services_follow_the_schema_in_both_formats(client: Client) -> None:
    data = await get_both(client, "services", root="services")
    validate(data, "services.json")
    assert [s["service_code"] for s in data] == ["pothole", "missed_collection", "graffiti"]
    assert data[0]["keywords"] == "road, hole" and data[0]["group"] == "roads"
    assert data[1]["type"] == "batch" and data[2]["metadata"] is False


async def test_a_definition_follows_the_schema_in_both_formats(client: Client) -> None:
    data = await get_both(client, "services/pothole", root="service_definition")
    validate(data, "service-definition.json")
    size, depth = data["attributes"]
    assert size["code"] == "size" and size["required"] is True and size["order"] == 1
    assert [v["key"] for v in size["values"]] == ["small", "large"]
    assert depth["datatype"] == "number" and depth["values"] == []
    empty = await get_both(client, "services/graffiti", root="service_definition")
    assert empty == {"service_code": "graffiti", "attributes": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_an_unknown_service_code_is_404(client: Client, fmt: str) -> None:
    response = await client.get(f"{BASE}/services/unicorn.{fmt}")
    await expect_error(response, 404, fmt, "'unicorn' is not offered")


# --------------------------------------------------------------------------- POST and GET


async def test_a_posted_request_reads_back_in_both_formats(client: Client) -> None:
    response = await post(client, POTHOLE)
    assert response.status == 200
    receipt = await response.json()
    validate_list_of(receipt, "RequestResponse")
    request_id = receipt[0]["service_request_id"]
    assert request_id.isdigit() and set(receipt[0]) == {"service_request_id"}

    listed = await get_both(client, f"requests/{request_id}", root="service_requests")
    validate(listed, "requests.json")
    (request,) = listed
    assert request["service_request_id"] == request_id
    assert request["status"] == "open" and request["service_code"] == "pothole"
    assert request["service_name"] == "Pothole"
    assert request["address"] == ADDRESS and request["description"] == POTHOLE["description"]
    assert (request["lat"], request["long"]) == (43.8971, -78.8658)
    assert datetime.fromisoformat(request["requested_datetime"]) == MONDAY_MORNING
    assert datetime.fromisoformat(request["updated_datetime"]) == MONDAY_MORNING
    assert request["expected_datetime"] is None

    single = await client.get(f"{BASE}/request/{request_id}.json")  # the swagger's path
    assert single.status == 200
    validate(await single.json(), "request.json")
    assert await single.json() == request
    for text in (EMAIL, PHONE, FIRST, LAST):
        assert text not in json.dumps(listed)


async def test_a_post_in_xml_answers_in_xml(client: Client) -> None:
    response = await post(client, MISSED, fmt="xml")
    assert response.status == 200 and response.content_type == "text/xml"
    root = SafeET.fromstring(await response.read())
    assert root.tag == "service_requests"
    (receipt,) = xml_value(root)
    assert receipt["service_request_id"].isdigit()
    assert set(receipt) == {"service_request_id"}


async def test_attributes_are_kept_including_several_values(client: Client, tmp_path: Path) -> None:
    fields = [*MISSED.items(), ("attribute[items][]", "bag"), ("attribute[items][]", "box")]
    request_id = await create(client, dict(fields[:-2]))
    other = await post(client, fields)
    assert other.status == 200
    (receipt,) = await other.json()
    with sqlite3.connect(tmp_path / "requests.sqlite3") as db:
        rows = dict(db.execute("SELECT id, attributes FROM open311_requests").fetchall())
    assert json.loads(rows[int(request_id)]) == {"stream": ["blue_box"]}
    assert json.loads(rows[int(receipt["service_request_id"])]) == {
        "stream": ["blue_box"], "items": ["bag", "box"]}  # fmt: skip


async def test_an_update_shows_in_the_next_get(
    client: Client, store: SqliteRequestStore, clock: Clock
) -> None:
    request_id = await create(client)
    later = MONDAY_MORNING + timedelta(hours=3)
    expected = MONDAY_MORNING + timedelta(days=2)
    await store.update(request_id, status="closed", note="Filled", expected=expected, now=later)
    (request,) = await get_both(client, f"requests/{request_id}", root="service_requests")
    validate([request], "requests.json")
    assert request["status"] == "closed" and request["status_notes"] == "Filled"
    assert datetime.fromisoformat(request["updated_datetime"]) == later
    assert datetime.fromisoformat(request["expected_datetime"]) == expected


# --------------------------------------------------------------------------- idempotency


async def test_the_same_idempotency_key_never_makes_a_second_request(
    client: Client, store: SqliteRequestStore
) -> None:
    first = await post(client, POTHOLE, headers={"Idempotency-Key": "abc-123"})
    again = await post(client, POTHOLE, headers={"Idempotency-Key": "abc-123"})
    assert first.status == again.status == 200
    assert await first.json() == await again.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await store.count() == 1

    racing = await asyncio.gather(
        *(post(client, MISSED, headers={"Idempotency-Key": "race-1"}) for _ in range(6))
    )
    ids = {(await r.json())[0]["service_request_id"] for r in racing}
    assert len(ids) == 1 and await store.count() == 2

    fresh = await post(client, POTHOLE, headers={"Idempotency-Key": "abc-124"})
    assert (await fresh.json())[0]["service_request_id"] not in ids
    assert await store.count() == 3


async def test_idempotency_keys_belong_to_one_client(
    serve: Serve, store: SqliteRequestStore
) -> None:
    client = await serve(api_keys=[API_KEY, "other-key"])
    mine = await post(client, POTHOLE, headers={"Idempotency-Key": "k"})
    theirs = await post(
        client, {**POTHOLE, "api_key": "other-key"}, headers={"Idempotency-Key": "k"}
    )
    assert (await mine.json()) != (await theirs.json())
    assert await store.count() == 2


# --------------------------------------------------------------------------- tokens


async def test_tokens_only_answers_a_token_that_resolves(serve: Serve) -> None:
    client = await serve(tokens_only=True)
    response = await post(client, POTHOLE, headers={"Idempotency-Key": "t-1"})
    receipt = await response.json()
    validate_list_of(receipt, "RequestResponse")
    assert set(receipt[0]) == {"token"}
    token = receipt[0]["token"]
    again = await post(client, POTHOLE, headers={"Idempotency-Key": "t-1"})
    assert (await again.json())[0]["token"] == token

    status = await get_both(client, f"tokens/{token}", root="service_requests")
    validate_list_of(status, "TokenResponse")
    (resolved,) = status
    assert resolved["token"] == token
    (request,) = await get_both(
        client, f"requests/{resolved['service_request_id']}", root="service_requests"
    )
    assert request["service_code"] == "pothole"
    for fmt in ("json", "xml"):
        await expect_error(await client.get(f"{BASE}/tokens/nope.{fmt}"), 404, fmt, "token")


# --------------------------------------------------------------------------- GET requests


async def test_get_requests_filters(
    client: Client, store: SqliteRequestStore, clock: Clock
) -> None:
    first = await create(client)
    clock.now += timedelta(minutes=5)
    second = await create(client, MISSED)
    clock.now += timedelta(minutes=5)
    third = await create(client)
    await store.update(third, status="closed", now=clock.now)

    everything = await get_both(client, "requests", root="service_requests")
    validate(everything, "requests.json")
    assert [r["service_request_id"] for r in everything] == [third, second, first]

    async def found(query: str) -> list[str]:
        response = await client.get(f"{BASE}/requests.json?{query}")
        assert response.status == 200, await response.text()
        data = await response.json()
        validate(data, "requests.json")
        xml = await client.get(f"{BASE}/requests.xml?{query}")
        assert xml_value(SafeET.fromstring(await xml.read())) == as_xml_text(data)
        return [r["service_request_id"] for r in data]

    assert await found(f"service_request_id={first},{third}") == [third, first]
    assert await found(f"service_request_id={first}&service_request_id={second}") == [
        second, first]  # fmt: skip
    # ids override every other filter, as the spec says
    assert await found(f"service_request_id={second}&service_code=pothole") == [second]
    assert await found("service_request_id=nonsense") == []
    assert await found("service_code=pothole") == [third, first]
    assert await found("service_code=pothole,missed_collection") == [third, second, first]
    assert await found("status=closed") == [third]
    assert await found("status=open&service_code=pothole") == [first]
    assert await found("status=open,closed") == [third, second, first]
    start = (MONDAY_MORNING + timedelta(minutes=1)).isoformat()
    end = (MONDAY_MORNING + timedelta(minutes=6)).isoformat()
    assert await found(urlencode({"start_date": start, "end_date": end})) == [second]
    # an unencoded '+' in an offset arrives as a space and is still understood
    raw = "start_date=2026-11-23T15:01:00+00:00&end_date=2026-11-23T15:06:00+00:00"
    assert await found(raw) == [second]
    assert await found("start_date=2026-11-23T15:01:00Z") == [third, second]


async def test_the_default_window_is_the_last_90_days(client: Client, clock: Clock) -> None:
    clock.now = MONDAY_MORNING - timedelta(days=100)
    old = await create(client)
    clock.now = MONDAY_MORNING - timedelta(days=10)
    recent = await create(client)
    clock.now = MONDAY_MORNING

    async def found(query: dict[str, str]) -> list[str]:
        response = await client.get(f"{BASE}/requests.json", params=query)
        assert response.status == 200, await response.text()
        return [r["service_request_id"] for r in await response.json()]

    assert await found({}) == [recent]
    since = (MONDAY_MORNING - timedelta(days=120)).isoformat()
    assert await found({"start_date": since}) == [old]  # start and the 90 days after it
    until = (MONDAY_MORNING - timedelta(days=50)).isoformat()
    assert await found({"end_date": until}) == [old]  # the 90 days up to end_date
    assert await found({"end_date": MONDAY_MORNING.isoformat()}) == [recent]


async def test_get_requests_answers_at_most_1000(client: Client, store: SqliteRequestStore) -> None:
    from open311.types import NewRequest

    new = NewRequest("graffiti", address_string="1 Main St")
    for minute in range(1003):
        moment = MONDAY_MORNING - timedelta(minutes=minute)
        await store.create(
            new, service_name="Graffiti", idempotency_key=None, now=moment, with_token=False
        )
    response = await client.get(f"{BASE}/requests.json")
    data = await response.json()
    assert len(data) == 1000
    assert datetime.fromisoformat(data[0]["requested_datetime"]) == MONDAY_MORNING


# --------------------------------------------------------------------------- bad input


def without(*names: str) -> dict[str, str]:
    return {k: v for k, v in POTHOLE.items() if k not in names}


def changed(**values: str) -> dict[str, str]:
    return {**POTHOLE, **values}


BAD_FORMS: list[tuple[str, Any, int, str]] = [
    ("no api_key", without("api_key"), 403, "api_key is required"),
    ("wrong api_key", changed(api_key="guess"), 403, "api_key is not valid"),
    ("no service_code", without("service_code"), 400, "service_code is required"),
    ("unknown service_code", changed(service_code="unicorn"), 400, "not a service offered"),
    ("description over 4000", changed(description="x" * 4001), 400, "longer than 4000"),
    ("no location", without("lat", "long", "address_string"), 400, "a location is required"),
    ("lat without long", without("long"), 400, "given together"),
    ("lat out of range", changed(lat="95"), 400, "lat must be between"),
    ("lat not a number", changed(lat="north"), 400, "lat must be a decimal number"),
    ("long infinite", changed(long="inf"), 400, "long must be between"),
    ("required attribute missing", without("attribute[size]"), 400, "attribute[size] is required"),
    ("value not in the list", changed(**{"attribute[size]": "huge"}), 400, "must be one of"),
    ("unknown attribute", changed(**{"attribute[colour]": "red"}), 400, "has no attribute"),
    ("number attribute", changed(**{"attribute[depth]": "deep"}), 400, "must be a number"),
    ("two values for one", [*POTHOLE.items(), ("attribute[size]", "small")], 400, "more than once"),
    ("several for a single list", [*POTHOLE.items(), ("attribute[size][]", "small")], 400,
     "takes one value"),
    ("a field twice", [*POTHOLE.items(), ("service_code", "graffiti")], 400, "more than once"),
    ("bad email", changed(email="not-an-address"), 400, "email"),
    ("bad media_url", changed(media_url="javascript:alert(1)"), 400, "media_url"),
    ("control character", changed(description="a\x00b"), 400, "control characters"),
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("case", "fields", "status", "fragment"), BAD_FORMS,
                         ids=[c[0] for c in BAD_FORMS])  # fmt: skip
async def test_a_bad_form_is_refused_in_the_spec_format(
    client: Client,
    store: SqliteRequestStore,
    fmt: str,
    case: str,
    fields: Any,
    status: int,
    fragment: str,
) -> None:
    await expect_error(await post(client, fields, fmt=fmt), status, fmt, fragment)
    assert await store.count() == 0


GOOD_BODY = urlencode(POTHOLE).encode()
BAD_BODIES: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("not UTF-8", GOOD_BODY + b"&first_name=Jos\xe9", {}, 400, "not UTF-8"),
    ("escaped not UTF-8", GOOD_BODY + b"&first_name=Jos%E9", {}, 400, "not UTF-8"),
    ("malformed", b"api_key&&service_code", {}, 400, "not application/x-www-form-urlencoded"),
    ("JSON body", json.dumps(POTHOLE).encode(), {"Content-Type": "application/json"}, 400,
     "send the request as application/x-www-form-urlencoded"),
    ("multipart", b"--x--", {"Content-Type": "multipart/form-data; boundary=x"}, 400, "send"),
    ("latin-1 charset", GOOD_BODY, {"Content-Type": f"{FORM}; charset=latin-1"}, 400, "UTF-8"),
    ("long idempotency key", GOOD_BODY, {"Idempotency-Key": "k" * 256}, 400, "Idempotency-Key"),
    ("empty body", b"", {}, 403, "api_key is required"),
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("case", "body", "headers", "status", "fragment"), BAD_BODIES,
                         ids=[c[0] for c in BAD_BODIES])  # fmt: skip
async def test_a_bad_body_is_refused_in_the_spec_format(
    client: Client,
    store: SqliteRequestStore,
    fmt: str,
    case: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    fragment: str,
) -> None:
    response = await client.post(
        f"{BASE}/requests.{fmt}", data=body, headers={"Content-Type": FORM, **headers}
    )
    await expect_error(response, status, fmt, fragment)
    assert await store.count() == 0


async def test_an_oversize_body_is_413_however_it_is_sent(
    serve: Serve, store: SqliteRequestStore
) -> None:
    client = await serve(max_body_bytes=2048)
    big = changed(description="x" * 3000)
    await expect_error(await post(client, big), 413, "json", "larger than 2048 bytes")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked transfer
        body = urlencode(big).encode()
        for i in range(0, len(body), 500):
            yield body[i : i + 500]

    response = await client.post(f"{BASE}/requests.xml", data=chunks(),
                                 headers={"Content-Type": FORM})  # fmt: skip
    await expect_error(response, 413, "xml", "larger than 2048 bytes")
    assert await store.count() == 0
    assert (await post(client, POTHOLE)).status == 200  # a normal one still fits


BAD_GETS = [
    ("services.html", 404, "xml", "format 'html' is not served"),
    ("services", 404, "xml", "no such resource"),
    ("nothing.json", 404, "json", "no such resource"),
    ("requests/999.json", 404, "json", "no service request '999'"),
    ("request/abc.xml", 404, "xml", "no service request 'abc'"),
    ("requests.json?start_date=yesterday", 400, "json", "start_date must be a W3C datetime"),
    ("requests.xml?end_date=2026-11-01", 400, "xml", "end_date must include a time"),
    ("requests.json?start_date=2026-11-01T00:00:00", 400, "json", "timezone"),
    ("requests.json?status=pending", 400, "json", "status must be open or closed"),
    ("requests.json?end_date=0001-01-01T00:00:00Z", 400, "json", "between the years"),
    ("requests.xml?start_date=9999-12-31T00:00:00-05:00", 400, "xml", "between the years"),
    ("requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z", 400, "json",
     "may not span more than 90 days"),
    ("requests.xml?start_date=2026-11-01T00:00:00Z&end_date=2026-10-01T00:00:00Z", 400, "xml",
     "end_date is before start_date"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "status", "fmt", "fragment"), BAD_GETS,
                         ids=[c[0] for c in BAD_GETS])  # fmt: skip
async def test_a_bad_get_is_refused_in_the_spec_format(
    client: Client, path: str, status: int, fmt: str, fragment: str
) -> None:
    await expect_error(await client.get(f"{BASE}/{path}"), status, fmt, fragment)


async def test_a_wrong_method_is_405_with_allow(client: Client) -> None:
    response = await client.delete(f"{BASE}/services.json")
    await expect_error(response, 405, "json", "method not allowed")
    assert "GET" in response.headers["Allow"]


async def test_a_jurisdiction_is_checked_when_configured(
    serve: Serve, store: SqliteRequestStore
) -> None:
    client = await serve(jurisdiction_id="durham.ca")
    response = await client.get(f"{BASE}/services.json", params={"jurisdiction_id": "york.ca"})
    await expect_error(response, 404, "json", "jurisdiction_id 'york.ca' is not served here")
    ok = await client.get(f"{BASE}/services.xml", params={"jurisdiction_id": "durham.ca"})
    assert ok.status == 200
    wrong = await post(client, {**POTHOLE, "jurisdiction_id": "york.ca"}, fmt="xml")
    await expect_error(wrong, 404, "xml", "jurisdiction_id")
    assert await store.count() == 0
    assert (await post(client, {**POTHOLE, "jurisdiction_id": "durham.ca"})).status == 200


async def test_an_xml_only_server_refuses_json(serve: Serve, store: SqliteRequestStore) -> None:
    client = await serve(formats=("xml",))
    for path in ("services.json", "discovery.json", "requests.json"):
        await expect_error(await client.get(f"{BASE}/{path}"), 404, "xml", "use .xml")
    await expect_error(await post(client, POTHOLE, fmt="json"), 404, "xml", "use .xml")
    assert await store.count() == 0
    discovery = SafeET.fromstring(await (await client.get(f"{BASE}/discovery.xml")).read())
    assert [f.text for f in discovery.iter("format")] == ["text/xml"]
    created = await post(client, POTHOLE, fmt="xml")
    assert created.status == 200 and created.content_type == "text/xml"


async def test_a_failing_store_is_503_not_500(client: Client, store: SqliteRequestStore) -> None:
    await store.close()
    await expect_error(await client.get(f"{BASE}/requests.json"), 503, "json", "try again later")
    await expect_error(await post(client, POTHOLE, fmt="xml"), 503, "xml", "unavailable")


async def test_logs_never_carry_personal_data(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    request_id = await create(client)
    await post(client, changed(lat="95"))
    await client.get(f"{BASE}/requests/{request_id}.xml")
    assert f"open311 request {request_id} created (service pothole)" in caplog.text
    for text in (EMAIL, PHONE, FIRST, LAST, ADDRESS, "Simcoe", POTHOLE["description"]):
        assert text not in caplog.text


async def test_an_owned_store_is_opened_and_closed_with_the_app(
    clock: Clock, tmp_path: Path
) -> None:
    owned = SqliteRequestStore(tmp_path / "owned.sqlite3")
    root = web.Application()
    backend = create_backend_app(services=SERVICES, store=owned, api_keys=[API_KEY],
                                 clock=clock, own_store=True)  # fmt: skip
    root.add_subapp(f"{BASE}/", backend)
    async with TestClient(TestServer(root, host="127.0.0.1", port=free_port())) as client:
        await create(client)
        assert await owned.count() == 1
    with pytest.raises(RequestStoreError):
        await owned.count()
