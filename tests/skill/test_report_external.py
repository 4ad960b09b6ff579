"""Filing and following a report through an external Open311 endpoint works unchanged.

The service under test runs in-process on a real socket, configured the way an operator
would (DURHAM311_OPEN311_URL, _API_KEY, _FORMAT) to use a GeoReport v2 endpoint that is
not its own: a second `durham311 serve` (the embedded backend, JSON and XML), or, for the
modes that are options of `create_backend_app` rather than settings, an XML-only and a
tokens-only backend served from this process. Each case files a pothole with one
correction, hears a reference, asks its status by the reference said as words, and
hears the change when staff close the request in the backend's own store.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.typedefs import Handler

from fulfillment.outbox import EntryState, OutboxEntry
from knowledge_base import KnowledgeBase
from open311.backend import create_backend_app
from open311.store import SqliteRequestStore
from skill.app import create_app
from skill.open311_services import open311_services
from skill.services import open_core, utc_now
from skill.settings import Settings
from tests.conftest import free_port
from tests.skill.procs import (
    API_KEY,
    POTHOLE,
    Console,
    Serve,
    as_words,
    reference_in,
    serve_env,
    until,
)

pytestmark = pytest.mark.slow
FILED = "Done. It's filed with the Region of Durham."
SAVED = "I've saved your report, and it will be sent to the Region"
_ACCESS = re.compile(r'"(GET|POST) (/open311/v2/[^ ?"]*)')


@dataclass
class Endpoint:
    """An Open311 endpoint for the service, its store (staff's side), and what it was asked."""

    url: str
    store: SqliteRequestStore
    calls: Callable[[], list[str]]  # "POST /open311/v2/requests.xml", in order
    tokens_only: bool = False


@pytest.fixture(scope="module")
def backend_process(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """A second `durham311 serve`: the embedded backend, serving JSON and XML."""
    root = tmp_path_factory.mktemp("external")
    backend = Serve(serve_env(model_dir, root / "backend", OPEN311_API_KEYS=API_KEY),
                    root / "backend.log")  # fmt: skip
    backend.spawn()
    try:
        backend.wait_healthy()
        yield backend
    finally:
        backend.stop()


async def process_endpoint(backend: Serve) -> AsyncIterator[Endpoint]:
    """The second `durham311 serve`; what it was asked is read from its access log."""
    start = len(backend.tail(10**9))

    def calls() -> list[str]:
        log = backend.tail(10**9)[start:]
        return [f"{method} {path}" for method, path in _ACCESS.findall(log)]

    store = SqliteRequestStore(backend.env["DURHAM311_REQUESTS_DB"])
    try:
        yield Endpoint(f"{backend.url}/open311/v2/", store, calls)
    finally:
        await store.close()


async def in_process_endpoint(
    kb: KnowledgeBase, tmp_path: Path, *, formats: tuple[str, ...], tokens_only: bool
) -> AsyncIterator[Endpoint]:
    """An Open311 backend built with create_backend_app, mounted where a city would."""
    store = SqliteRequestStore(tmp_path / "backend.sqlite3")
    seen: list[str] = []

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        seen.append(f"{request.method} {request.path}")
        return await handler(request)

    root = web.Application(middlewares=[record])
    root.add_subapp("/open311/v2/", create_backend_app(
        services=open311_services(kb), store=store, api_keys=[API_KEY], clock=utc_now,
        formats=formats, tokens_only=tokens_only,
    ))  # fmt: skip
    server = TestServer(root, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield Endpoint(f"http://127.0.0.1:{server.port}/open311/v2/", store, lambda: list(seen),
                       tokens_only)  # fmt: skip
    finally:
        await server.close()
        await store.close()


@pytest.fixture
async def endpoint(
    request: pytest.FixtureRequest,
    backend_process: Serve,
    sample_kb: KnowledgeBase,
    tmp_path: Path,
) -> AsyncIterator[Endpoint]:
    """The endpoint a case names: "process", "xml-only" or "tokens-only"."""
    if request.param == "process":
        made = process_endpoint(backend_process)
    else:
        only_xml = request.param == "xml-only"
        made = in_process_endpoint(sample_kb, tmp_path, formats=("xml",) if only_xml else
                                   ("xml", "json"), tokens_only=not only_xml)  # fmt: skip
    async for ready in made:
        yield ready


CASES = [  # (case, endpoint, DURHAM311_OPEN311_FORMAT)
    ("json", "process", "json"),
    ("xml", "process", "xml"),  # the same backend, which would also answer JSON
    ("xml-only", "xml-only", "xml"),
    ("tokens-only", "tokens-only", "json"),
]


@pytest.mark.parametrize(
    ("case", "endpoint", "fmt"), CASES, ids=[c[0] for c in CASES], indirect=["endpoint"]
)
async def test_a_report_filed_and_followed_through_an_external_endpoint(
    case: str, endpoint: Endpoint, fmt: str, model_dir: Path, tmp_path: Path
) -> None:
    settings = Settings.load({
        "DURHAM311_MODEL_DIR": str(model_dir),
        "DURHAM311_CONTENT_DB": str(tmp_path / "content.sqlite3"),
        "DURHAM311_REQUESTS_DB": str(tmp_path / "service-requests.sqlite3"),
        "DURHAM311_OUTBOX_DB": str(tmp_path / "outbox.sqlite3"),
        "DURHAM311_ALEXA_VERIFY_SIGNATURE": "false",
        "DURHAM311_OPEN311_URL": endpoint.url,
        "DURHAM311_OPEN311_API_KEY": API_KEY,
        "DURHAM311_OPEN311_FORMAT": fmt,
    })  # fmt: skip
    before = await endpoint.store.count()
    core = open_core(settings)
    assert core.requests is None, "with open311_url set, the embedded backend is not used"
    server = TestServer(create_app(settings, core=core), host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            console = Console(http, f"http://127.0.0.1:{server.port}")
            reference, heard = await file_with_a_correction(console)
            entry = await delivered(core.desk.outbox.by_reference, reference)
            request_id = await backend_id(endpoint, entry)
            stored = await endpoint.store.get(request_id)
            assert stored is not None and stored.service_code == "pothole"
            assert stored.address == "Simcoe Street North, Oshawa, Ontario"
            assert "bigger than a dinner plate" in (stored.description or ""), "the correction"
            assert await endpoint.store.count() == before + 1

            reply = await status_in_words(console, reference)
            assert "is open" in reply and "a pothole" in reply, reply
            note = "The road crew filled it."
            await endpoint.store.update(request_id, status="closed", note=note,
                                        now=datetime.now(UTC))  # fmt: skip
            reply = await status_in_words(console, reference)
            assert "is closed" in reply and "road crew filled it" in reply, reply
    finally:
        await server.close()
        await core.close()
    calls = endpoint.calls()
    print(f"[{case}] heard={heard} reference={reference} backend_id={request_id} "
          f"token={'yes' if entry.token else 'no'} calls={dict(Counter(calls))}")  # fmt: skip
    assert calls.count(f"POST /open311/v2/requests.{fmt}") == 1
    assert all(call.endswith(f".{fmt}") for call in calls), calls
    if endpoint.tokens_only:
        assert any(call.startswith("GET /open311/v2/tokens/") for call in calls)
    assert not settings.requests_db.exists(), "nothing was kept in an embedded store"


async def file_with_a_correction(console: Console) -> tuple[str, str]:
    """The reference, and whether the resident heard it filed or saved (either is right:
    which one depends on how fast the endpoint answered, never on whether it will)."""
    session = str(uuid.uuid4())
    reply = await console.say(session, POTHOLE)
    assert "dinner plate" in reply, reply
    reply = await console.say(session, "small")
    assert "smaller than a dinner plate" in reply and "Shall I file it?" in reply, reply
    reply = await console.say(session, "no, it's bigger than a dinner plate")
    assert "bigger than a dinner plate" in reply and "smaller" not in reply, reply
    assert "Shall I file it?" in reply, reply
    reply = await console.say(session, "yes")
    assert FILED in reply or SAVED in reply, reply
    return reference_in(reply), "filed" if FILED in reply else "saved"


async def status_in_words(console: Console, reference: str) -> str:
    """Asked in a new session, the reference said digit by digit as words."""
    return await console.say(
        str(uuid.uuid4()), f"what's the status of report {as_words(reference)}"
    )


async def delivered(
    by_reference: Callable[[str], Awaitable[OutboxEntry | None]], reference: str
) -> OutboxEntry:
    """The outbox entry once the endpoint has taken it (never refused for good)."""
    found: list[OutboxEntry] = []

    async def done() -> bool:
        entry = await by_reference(reference)
        assert entry is not None
        assert entry.state is not EntryState.PARKED, entry.last_error
        found[:] = [entry]
        return entry.state is EntryState.DELIVERED

    await until(done, timeout=20, what="delivered")
    return found[0]


async def backend_id(endpoint: Endpoint, entry: OutboxEntry) -> str:
    """The backend's id for a delivered entry: in the receipt, or behind its token."""
    if not endpoint.tokens_only:
        assert entry.service_request_id is not None and entry.token is None
        return entry.service_request_id
    assert entry.token is not None and entry.service_request_id is None, "a token, no id"
    status = await endpoint.store.by_token(entry.token)
    assert status is not None and status.service_request_id is not None
    return status.service_request_id
