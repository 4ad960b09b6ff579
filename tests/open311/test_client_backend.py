"""The client against the embedded backend: both halves of GeoReport v2, over a real socket.

The backend runs as the skill mounts it (a sub-application under /open311/v2/) on a
SQLite store in a temporary directory, in three shapes a city's server may have:
JSON and XML, XML only, and tokens only (every POST answered with a token to poll).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from open311.backend import create_backend_app
from open311.client import Open311Client
from open311.errors import Open311Rejected
from open311.store import SqliteRequestStore
from open311.types import AttributeValue, NewRequest, Service, ServiceAttribute, ServiceType
from tests.conftest import MONDAY_MORNING, free_port

API_KEY = "durham-test-key"
JURISDICTION = "durham.ca"

BINS = ServiceType(
    Service("bins", "Missed bin collection", "A bin was not picked up.", metadata=True),
    attributes=(
        ServiceAttribute(
            code="STREAM",
            datatype="singlevaluelist",
            required=True,
            description="Which bin was missed?",
            order=1,
            values=(AttributeValue("green", "Green bin"), AttributeValue("blue", "Blue box")),
        ),
        ServiceAttribute(
            code="EXTRA",
            datatype="multivaluelist",
            required=False,
            description="Anything else left behind?",
            order=2,
            values=(AttributeValue("yard", "Yard waste"), AttributeValue("bulk", "Bulky item")),
        ),
    ),
)
POTHOLE = ServiceType(Service("pothole", "Pothole", keywords=("road", "hole"), group="roads"))

MISSED_BIN = NewRequest(
    service_code="bins",
    address_string="605 Rossland Rd E, Whitby",
    description="Green bin not collected",
    attributes={"STREAM": ("green",), "EXTRA": ("yard", "bulk")},
    email="resident@example.org",
    first_name="Pat",
    phone="905-555-0100",
)
HOLE = NewRequest(service_code="pothole", lat=43.8971, long=-78.8658, description="Deep one")


@dataclass
class Clock:
    """The backend's clock, moved by the test so requests get distinct times."""

    now: datetime = MONDAY_MORNING

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Backend:
    url: str
    store: SqliteRequestStore
    clock: Clock
    fmt: str
    tokens_only: bool

    def client(
        self, *, api_key: str = API_KEY, jurisdiction_id: str = JURISDICTION, fmt: str = ""
    ) -> Open311Client:
        return Open311Client(
            base_url=self.url,
            api_key=api_key,
            jurisdiction_id=jurisdiction_id,
            format=fmt or self.fmt,
            token_poll_interval=0.02,
        )


MODES = {
    "json": ("json", ("xml", "json"), False),
    "xml-only": ("xml", ("xml",), False),
    "tokens-only": ("json", ("xml", "json"), True),
    "tokens-only-xml": ("xml", ("xml",), True),
}


@pytest.fixture(params=list(MODES))
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    fmt, formats, tokens_only = MODES[request.param]
    async for running in _serve(tmp_path, fmt, formats, tokens_only):
        yield running


@pytest.fixture
async def json_backend(tmp_path: Path) -> AsyncIterator[Backend]:
    async for running in _serve(tmp_path, "json", ("xml", "json"), False):
        yield running


async def _serve(
    tmp_path: Path, fmt: str, formats: tuple[str, ...], tokens_only: bool
) -> AsyncIterator[Backend]:
    store = SqliteRequestStore(tmp_path / "requests.sqlite3")
    await store.open()
    clock = Clock()
    root = web.Application()
    root.add_subapp(
        "/open311/v2/",
        create_backend_app(
            services=[BINS, POTHOLE],
            store=store,
            api_keys=[API_KEY],
            jurisdiction_id=JURISDICTION,
            clock=clock,
            formats=formats,
            tokens_only=tokens_only,
        ),
    )
    server = TestServer(root, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        url = f"http://127.0.0.1:{server.port}/open311/v2/"
        yield Backend(url, store, clock, fmt, tokens_only)
    finally:
        await server.close()
        await store.close()


# ------------------------------------------------------------------ every mode


async def test_discovery_services_and_definition(backend: Backend) -> None:
    async with backend.client() as client:
        discovery = await client.discovery()
        (endpoint,) = discovery.georeport_v2()
        assert endpoint.url == backend.url
        assert "text/xml" in endpoint.formats
        services = await client.services()
        assert [s.service_code for s in services] == ["bins", "pothole"]
        assert services[1].keywords == ("road", "hole") and services[1].group == "roads"
        assert services[0].metadata is True
        definition = await client.definition("bins")
        assert definition == BINS.definition
        with pytest.raises(Open311Rejected) as refused:
            await client.definition("no-such-service")
    assert refused.value.status == 404
    assert "no-such-service" in refused.value.errors[0].description


async def test_submit_resolve_and_read_back(backend: Backend) -> None:
    async with backend.client() as client:
        receipt = await client.submit(MISSED_BIN)
        assert (receipt.token is not None) == backend.tokens_only
        if receipt.token is not None:
            assert receipt.service_request_id is None
            status = await client.token(receipt.token)
            assert status.token == receipt.token
        request_id = await client.wait_for_id(receipt)
        found = await client.request(request_id)
        assert await client.request("987654321") is None
    assert found is not None
    assert found.service_request_id == request_id
    assert (found.status, found.service_code) == ("open", "bins")
    assert found.service_name == "Missed bin collection"
    assert found.address == "605 Rossland Rd E, Whitby"
    assert found.description == "Green bin not collected"
    assert found.requested_datetime == MONDAY_MORNING
    assert await backend.store.count() == 1


async def test_list_with_filters(backend: Backend) -> None:
    async with backend.client() as client:
        first = await client.wait_for_id(await client.submit(MISSED_BIN))
        backend.clock.now = MONDAY_MORNING + timedelta(days=2)
        second = await client.wait_for_id(await client.submit(HOLE))
        backend.clock.now = MONDAY_MORNING + timedelta(days=5)
        await backend.store.update(second, status="closed", note="Filled", now=backend.clock.now)
        assert {r.service_request_id for r in await client.requests()} == {first, second}
        by_code = await client.requests(service_code="pothole")
        assert [(r.service_request_id, r.status) for r in by_code] == [(second, "closed")]
        assert by_code[0].status_notes == "Filled"
        assert by_code[0].lat == pytest.approx(43.8971)
        assert by_code[0].long == pytest.approx(-78.8658)
        opened = await client.requests(status="open")
        assert [r.service_request_id for r in opened] == [first]
        early = await client.requests(
            start=MONDAY_MORNING - timedelta(hours=1), end=MONDAY_MORNING + timedelta(days=1)
        )
        assert [r.service_request_id for r in early] == [first]
        by_ids = await client.requests(ids=[second, first], status="open")  # ids override
        assert {r.service_request_id for r in by_ids} == {first, second}


async def test_same_idempotency_key_twice_makes_one_request(backend: Backend) -> None:
    async with backend.client() as client:
        once = await client.submit(MISSED_BIN, idempotency_key="outbox-17")
        twice = await client.submit(MISSED_BIN, idempotency_key="outbox-17")
        assert await client.wait_for_id(once) == await client.wait_for_id(twice)
        assert await backend.store.count() == 1
        other = await client.submit(MISSED_BIN, idempotency_key="outbox-18")
        assert await client.wait_for_id(other) != await client.wait_for_id(once)
    assert await backend.store.count() == 2


async def test_refusals_arrive_with_the_servers_errors(backend: Backend) -> None:
    async with backend.client(api_key="not-the-key") as client:
        with pytest.raises(Open311Rejected) as wrong_key:
            await client.submit(HOLE)
    async with backend.client() as client:
        with pytest.raises(Open311Rejected) as missing:
            await client.submit(NewRequest(service_code="bins", address_id="A-1"))
        with pytest.raises(Open311Rejected) as nowhere:
            await client.submit(NewRequest(service_code="pothole"))
    assert wrong_key.value.status == 403
    assert wrong_key.value.errors[0].description == "api_key is not valid"
    assert missing.value.status == 400
    assert "attribute[STREAM] is required" in missing.value.errors[0].description
    assert "a location is required" in nowhere.value.errors[0].description
    assert await backend.store.count() == 0  # nothing half-written


# ------------------------------------------------------------------ particular shapes


async def test_json_client_against_an_xml_only_backend(tmp_path: Path) -> None:
    async for running in _serve(tmp_path, "json", ("xml",), False):
        async with running.client() as client:
            with pytest.raises(Open311Rejected) as refused:
                await client.services()
        assert refused.value.status == 404
        # The refusal came as XML (the spec's must) and was still read as the error list.
        assert "use .xml" in refused.value.errors[0].description
        async with running.client(fmt="xml") as client:
            assert len(await client.services()) == 2


async def test_a_foreign_jurisdiction_is_refused(json_backend: Backend) -> None:
    async with json_backend.client(jurisdiction_id="toronto.ca") as client:
        with pytest.raises(Open311Rejected) as refused:
            await client.services()
        with pytest.raises(Open311Rejected):
            await client.submit(HOLE)
    assert refused.value.status == 404
    assert await json_backend.store.count() == 0


async def test_attribute_values_arrive_as_sent(json_backend: Backend, tmp_path: Path) -> None:
    """attribute[code][] for several values, attribute[code] for one: the store holds both."""
    single = NewRequest(
        service_code="bins", address_id="A-2", attributes={"STREAM": ("blue",), "EXTRA": ("bulk",)}
    )
    async with json_backend.client() as client:
        several = await client.wait_for_id(await client.submit(MISSED_BIN))
        one = await client.wait_for_id(await client.submit(single))
    with closing(sqlite3.connect(tmp_path / "requests.sqlite3")) as db:
        rows = dict(db.execute("SELECT CAST(id AS TEXT), attributes FROM open311_requests"))
    assert json.loads(rows[several]) == {"STREAM": ["green"], "EXTRA": ["yard", "bulk"]}
    assert json.loads(rows[one]) == {"STREAM": ["blue"], "EXTRA": ["bulk"]}
