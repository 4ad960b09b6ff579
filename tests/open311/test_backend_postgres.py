"""The request store's contract, run unchanged on SQLite and on the machine's real PostgreSQL.

Each PostgreSQL test gets a database of its own (random name, created and dropped here),
so the stores are compared on exactly the same tests; the backend is also served once
over PostgreSQL end to end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from open311.backend import create_backend_app
from open311.errors import InvalidUpdate, RequestNotFound, RequestStoreError
from open311.store import PostgresRequestStore, RequestStore, SqliteRequestStore
from open311.types import NewRequest, Service, ServiceType
from tests.conftest import MONDAY_MORNING, free_port, fresh_database

NOW = MONDAY_MORNING
POTHOLE = NewRequest(
    service_code="pothole",
    address_string="100 Simcoe St N, Oshawa",
    lat=43.8971,
    long=-78.8658,
    description="Deep pothole",
    attributes={"size": ("large",)},
    email="jane.q@example.org",
    phone="905-555-0199",
)
GRAFFITI = NewRequest(service_code="graffiti", address_id="A-77")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the real server, dropped afterwards."""
    with fresh_database("open311_test") as url:
        yield url


StoreFactory = Callable[[], RequestStore]


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Opens a store on the same place each call (to test what survives a reopen)."""
    if request.param == "sqlite":
        return lambda: SqliteRequestStore(tmp_path / "requests.sqlite3")
    url = request.getfixturevalue("postgres_url")
    return lambda: PostgresRequestStore(url)


@pytest.fixture
async def store(make_store: StoreFactory) -> AsyncIterator[RequestStore]:
    opened = make_store()
    await opened.open()
    yield opened
    await opened.close()


async def add(store: RequestStore, new: NewRequest = POTHOLE, *, at: datetime = NOW,
              key: str | None = None, token: bool = False) -> str:  # fmt: skip
    created = await store.create(
        new, service_name=new.service_code.title(), idempotency_key=key, now=at, with_token=token
    )
    return created.request.service_request_id


async def test_a_created_request_reads_back(store: RequestStore) -> None:
    created = await store.create(
        POTHOLE, service_name="Pothole", idempotency_key=None, now=NOW, with_token=False
    )
    assert created.token is None and not created.replayed
    request = created.request
    assert request.service_request_id.isdigit() and len(request.service_request_id) < 10
    assert await store.get(request.service_request_id) == request
    assert request.status == "open" and request.service_name == "Pothole"
    assert request.requested_datetime == NOW and request.requested_datetime.tzinfo is not None
    assert request.updated_datetime == NOW and request.expected_datetime is None
    assert request.address == POTHOLE.address_string
    assert (request.lat, request.long) == (POTHOLE.lat, POTHOLE.long)
    assert request.description == "Deep pothole"
    other = await add(store, GRAFFITI)
    assert int(other) > int(request.service_request_id)
    assert (await store.get(other)).address_id == "A-77"  # type: ignore[union-attr]
    assert await store.count() == 2


async def test_unknown_ids_are_none(store: RequestStore) -> None:
    await add(store)
    for unknown in ("999", "abc", "", "1; DROP TABLE open311_requests", "9" * 40, "١"):
        assert await store.get(unknown) is None
    assert await store.count() == 1


async def test_the_same_idempotency_key_returns_the_same_request(store: RequestStore) -> None:
    first = await store.create(
        POTHOLE, service_name="Pothole", idempotency_key="k1", now=NOW, with_token=True
    )
    again = await store.create(
        GRAFFITI, service_name="Graffiti", idempotency_key="k1", now=NOW, with_token=True
    )
    assert again.replayed and not first.replayed
    assert again.request == first.request and again.token == first.token
    assert await store.count() == 1
    racing = await asyncio.gather(*(add(store, key="k2") for _ in range(8)))
    assert len(set(racing)) == 1
    assert await store.count() == 2


async def test_tokens_resolve_to_their_request(store: RequestStore) -> None:
    created = await store.create(
        POTHOLE, service_name="Pothole", idempotency_key=None, now=NOW, with_token=True
    )
    assert created.token
    status = await store.by_token(created.token)
    assert status is not None and status.service_request_id == created.request.service_request_id
    assert await store.by_token("not-a-token") is None


async def test_find_filters_and_orders_newest_first(store: RequestStore) -> None:
    old = await add(store, at=NOW - timedelta(days=3))
    middle = await add(store, GRAFFITI, at=NOW - timedelta(days=2))
    new = await add(store, at=NOW - timedelta(days=1))
    await store.update(new, status="closed", now=NOW)

    async def ids(**filters: object) -> list[str]:
        return [r.service_request_id for r in await store.find(**filters)]  # type: ignore[arg-type]

    assert await ids() == [new, middle, old]
    assert await ids(ids=[old, new, "nope"]) == [new, old]
    assert await ids(ids=["nope"]) == []
    assert await ids(service_code=["pothole"]) == [new, old]
    assert await ids(service_code=["graffiti", "pothole"], status=["open"]) == [middle, old]
    assert await ids(status=["closed"]) == [new]
    assert await ids(start=NOW - timedelta(days=2), end=NOW - timedelta(days=1)) == [new, middle]
    assert await ids(start=(NOW - timedelta(days=2, hours=1)).astimezone(UTC)) == [new, middle]
    assert await ids(end=NOW - timedelta(days=3)) == [old]
    assert await ids(limit=2) == [new, middle]
    assert await ids(limit=0) == [new]  # at least one, never an unbounded query


async def test_update_changes_status_notes_and_expected(store: RequestStore) -> None:
    request_id = await add(store)
    later, expected = NOW + timedelta(hours=2), NOW + timedelta(days=5)
    updated = await store.update(request_id, status="closed", note="Filled", expected=expected,
                                 now=later)  # fmt: skip
    assert updated.status == "closed" and updated.status_notes == "Filled"
    assert updated.expected_datetime == expected and updated.updated_datetime == later
    assert await store.get(request_id) == updated
    reopened = await store.update(request_id, status="open", now=later + timedelta(hours=1))
    assert reopened.status == "open" and reopened.status_notes == "Filled"
    cleared = await store.update(request_id, note="", now=later + timedelta(hours=2))
    assert cleared.status_notes is None


async def test_bad_updates_are_refused_and_change_nothing(store: RequestStore) -> None:
    request_id = await add(store)
    before = await store.get(request_id)
    with pytest.raises(InvalidUpdate, match="status must be"):
        await store.update(request_id, status="pending", now=NOW)
    with pytest.raises(InvalidUpdate, match="nothing to update"):
        await store.update(request_id, now=NOW)
    with pytest.raises(InvalidUpdate, match="longer than"):
        await store.update(request_id, note="x" * 4001, now=NOW)
    for unknown in ("999", "abc"):
        with pytest.raises(RequestNotFound, match=unknown):
            await store.update(unknown, status="closed", now=NOW)
    assert await store.get(request_id) == before


async def test_requests_survive_a_reopen(store: RequestStore, make_store: StoreFactory) -> None:
    request_id = await add(store, key="kept", token=True)
    again = make_store()
    try:
        assert await again.get(request_id) == await store.get(request_id)
        assert (await again.create(POTHOLE, service_name="Pothole", idempotency_key="kept",
                                   now=NOW, with_token=True)).replayed  # fmt: skip
        assert await again.count() == 1
    finally:
        await again.close()


async def test_a_closed_store_refuses_clearly(make_store: StoreFactory) -> None:
    closed = make_store()
    await closed.open()
    await closed.close()
    await closed.close()  # closing twice is harmless
    with pytest.raises(RequestStoreError, match="closed"):
        await closed.count()


async def test_an_unreachable_postgres_is_a_store_error() -> None:
    store = PostgresRequestStore(f"postgresql://postgres@127.0.0.1:{free_port()}/x", timeout=1.0)
    try:
        with pytest.raises(RequestStoreError):
            await store.count()
    finally:
        await store.close()


async def test_the_backend_serves_from_postgres(postgres_url: str) -> None:
    store = PostgresRequestStore(postgres_url)
    backend = create_backend_app(
        services=[ServiceType(Service("graffiti", "Graffiti"))],
        store=store,
        api_keys=["k"],
        clock=lambda: NOW,
        own_store=True,
    )
    root = web.Application()
    root.add_subapp("/open311/v2/", backend)
    async with TestClient(TestServer(root, host="127.0.0.1", port=free_port())) as client:
        form = {"api_key": "k", "service_code": "graffiti", "address_id": "A-77"}
        posted = await client.post("/open311/v2/requests.json", data=form,
                                   headers={"Idempotency-Key": "once"})  # fmt: skip
        again = await client.post("/open311/v2/requests.json", data=form,
                                  headers={"Idempotency-Key": "once"})  # fmt: skip
        (receipt,) = await posted.json()
        assert await again.json() == [receipt]
        listed = await client.get("/open311/v2/requests.json")
        (request,) = await listed.json()
        assert request["service_request_id"] == receipt["service_request_id"]
        assert request["address_id"] == "A-77"
        assert datetime.fromisoformat(request["requested_datetime"]) == NOW
