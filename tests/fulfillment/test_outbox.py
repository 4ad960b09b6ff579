"""The durable outbox: one contract, run against SQLite and a real Redis, and the deliverer
against a real HTTP server on a loopback socket that counts POSTs per Idempotency-Key.

Fault tests print what they counted, so a run with `-s` shows the evidence.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from fulfillment.errors import FulfillmentError, OutboxError
from fulfillment.outbox import (
    Deliverer,
    EntryState,
    Outbox,
    OutboxEntry,
    ReferenceTaken,
    SqliteOutbox,
    Submission,
)
from fulfillment.redis_outbox import RedisOutbox
from open311.errors import ErrorItem, Open311Rejected, Open311Unavailable
from open311.types import NewRequest, Receipt
from tests.conftest import ROOT, free_port

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
Send = Callable[[Submission], Awaitable[Receipt]]
Opener = Callable[[], Outbox]


def make_sub(n: int, *, owner: str | None = None, created_at: datetime = T0) -> Submission:
    request = NewRequest(
        service_code="pothole",
        address_string=f"{n} Simcoe Street North, Oshawa",
        description="a deep pothole in the curb lane",
        attributes={"size": ("large",), "lanes": ("curb", "passing")},
        phone="905-555-0100",
    )
    return Submission(
        key=f"key-{n:04d}-{uuid.uuid4().hex}",
        reference=str(20_000_000 + n),
        owner=owner,
        target="embedded",
        request=request,
        created_at=created_at,
    )


@dataclass
class Clock:
    """An injected clock: the deliverer's notion of now, moved by the test, never slept on."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


def brief(entry: OutboxEntry | None) -> str:
    """An entry as the fault tests print it: where delivery stands, not what was reported."""
    if entry is None:
        return "entry=None"
    return (
        f"ref={entry.reference} state={entry.state.value} attempts={entry.attempts} "
        f"last_error={entry.last_error} id={entry.service_request_id}"
    )


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(params=["sqlite", "redis"])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens another handle on the same store: a second worker, or the same one reopened."""
    opened: list[Outbox] = []
    if request.param == "sqlite":
        path = tmp_path / "outbox.sqlite3"

        def open_outbox() -> Outbox:
            opened.append(SqliteOutbox(path=path))
            return opened[-1]
    else:
        url = request.getfixturevalue("redis_url")
        prefix = f"test-{uuid.uuid4().hex}:{{outbox}}:"

        def open_outbox() -> Outbox:
            opened.append(RedisOutbox(url=url, prefix=prefix))
            return opened[-1]

    yield open_outbox
    for outbox in opened:
        await outbox.close()


@pytest.fixture
def outbox(opener: Opener) -> Outbox:
    return opener()


@dataclass
class Backend:
    """A tiny Open311-ish POST endpoint that dedupes on Idempotency-Key, as the real one does."""

    script: list[int] = field(default_factory=list)  # statuses to answer, in order; then 200
    hang_first: int = 0  # how many POSTs never answer (until the test ends)
    delay: float = 0.0
    posts: Counter[str] = field(default_factory=Counter)
    successes: Counter[str] = field(default_factory=Counter)
    created: dict[str, str] = field(default_factory=dict)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key", "")
        await request.post()
        self.posts[key] += 1
        if self.hang_first > 0:
            self.hang_first -= 1
            await self.release.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        status = self.script.pop(0) if self.script else 200
        if status >= 500:
            return web.Response(status=status, text="backend down")
        if status >= 400:
            return web.json_response([{"code": status, "description": "refused"}], status=status)
        self.successes[key] += 1
        srid = self.created.setdefault(key, str(5000 + len(self.created)))
        return web.json_response([{"service_request_id": srid}])


@pytest.fixture
async def backend() -> AsyncIterator[Backend]:
    state = Backend()
    app = web.Application()
    app.router.add_post("/requests.json", state.handle)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    state.url = str(server.make_url("/requests.json"))
    yield state
    state.release.set()
    await server.close()


def http_send(session: aiohttp.ClientSession, url: str) -> Send:
    """A send over a real socket, mapping HTTP outcomes to the open311 errors."""

    async def send(sub: Submission) -> Receipt:
        form = {"service_code": sub.request.service_code}
        try:
            async with session.post(url, data=form, headers={"Idempotency-Key": sub.key}) as resp:
                if resp.status >= 500:
                    raise Open311Unavailable(f"HTTP {resp.status}")
                body = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Open311Unavailable(type(exc).__name__) from exc
        if resp.status >= 400:
            errors = tuple(ErrorItem(str(e["code"]), e["description"]) for e in body)
            raise Open311Rejected(resp.status, errors)
        return Receipt(service_request_id=body[0]["service_request_id"])

    return send


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.5)) as client:
        yield client


def deliverer(outbox: Outbox, send: Send, clock: Clock, **options: object) -> Deliverer:
    settings: dict[str, object] = {"base_delay": 0.0, "rng": random.Random(7)} | options
    return Deliverer(outbox=outbox, send=send, clock=clock, **settings)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- submissions


def test_submission_round_trips_through_json() -> None:
    sub = replace(
        make_sub(1, owner="h:abc"), created_at=T0.astimezone(timezone(-timedelta(hours=5)))
    )
    back = Submission.from_json(sub.to_json())
    assert back == sub
    assert back.request.attributes == {"size": ("large",), "lanes": ("curb", "passing")}
    assert back.created_at.utcoffset() == timedelta(hours=-5)


def test_a_bad_key_or_reference_is_refused() -> None:
    with pytest.raises(OutboxError, match="idempotency key"):
        replace(make_sub(1), key="abc\r\nX-Evil: 1")
    with pytest.raises(OutboxError, match="8 digits"):
        replace(make_sub(1), reference="1234")
    with pytest.raises(OutboxError, match="does not read back"):
        Submission.from_json('{"key": "k"}')
    made = Submission.new(request=NewRequest("pothole"), target="embedded", owner=None, now=T0)
    assert len(made.reference) == 8 and made.reference[0] != "0"


# ---------------------------------------------------------------------------- the contract


async def test_put_is_idempotent_and_durable(opener: Opener, outbox: Outbox) -> None:
    sub = make_sub(1, owner="owner-1")
    first = await outbox.put(sub)
    assert first.state is EntryState.PENDING and first.attempts == 0
    changed = replace(sub, request=NewRequest("graffiti"), owner="owner-2")
    again = await outbox.put(changed)  # a repeated "yes" or a platform retry
    assert again.submission == sub and again.state is EntryState.PENDING
    assert await outbox.pending_count() == 1
    assert await outbox.latest_for("owner-2") is None

    with pytest.raises(ReferenceTaken):
        await outbox.put(replace(make_sub(2), reference=sub.reference))
    assert await outbox.pending_count() == 1

    later = replace(make_sub(3, owner="owner-1"), created_at=T0 + timedelta(minutes=1))
    await outbox.put(later)
    await outbox.close()
    reopened = opener()  # another handle on the same file / server sees it all
    assert (await reopened.by_key(sub.key)) == first
    assert (await reopened.by_reference(sub.reference)) == first
    found = await reopened.latest_for("owner-1")
    assert found is not None and found.submission == later
    assert await reopened.by_reference("99999999") is None
    assert await reopened.pending_count() == 2


async def test_concurrent_claimers_get_disjoint_entries(opener: Opener) -> None:
    first, second = opener(), opener()
    subs = [make_sub(n) for n in range(12)]
    for sub in subs:
        await first.put(sub)
    claims = await asyncio.gather(
        *(worker.claim_due(T0, limit=2, lease_seconds=30) for worker in [first, second] * 4)
    )
    keys = [entry.key for claim in claims for entry in claim]
    print(f"claims={[len(c) for c in claims]} claimed={len(keys)} distinct={len(set(keys))}")
    assert sorted(keys) == sorted(sub.key for sub in subs)  # each exactly once
    assert all(entry.attempts == 1 for claim in claims for entry in claim)
    assert await second.claim_due(T0 + timedelta(seconds=29), limit=50, lease_seconds=30) == []


async def test_an_expired_lease_makes_the_entry_due_again(outbox: Outbox) -> None:
    sub = make_sub(1)
    await outbox.put(sub)
    (claimed,) = await outbox.claim_due(T0, limit=5, lease_seconds=30)
    assert claimed.next_attempt_at == T0 + timedelta(seconds=30)
    assert await outbox.claim_due(T0 + timedelta(seconds=29), limit=5, lease_seconds=30) == []
    again = await outbox.claim_due(T0 + timedelta(seconds=31), limit=5, lease_seconds=30)
    assert [(e.key, e.attempts) for e in again] == [(sub.key, 2)]


async def test_outcomes_are_recorded_and_final(outbox: Outbox) -> None:
    done, refused, later = make_sub(1), make_sub(2), make_sub(3)
    for sub in (done, refused, later):
        await outbox.put(sub)
    assert len(await outbox.claim_due(T0, limit=5, lease_seconds=30)) == 3
    now = T0 + timedelta(seconds=1)

    entry = await outbox.delivered(done.key, service_request_id="42", token=None, now=now)
    assert (entry.state, entry.service_request_id, entry.delivered_at) == (
        EntryState.DELIVERED, "42", now,
    )  # fmt: skip
    # A late report from a worker whose lease ran out does not undo a delivery.
    assert (
        await outbox.retry_later(done.key, error="timeout", at=now)
    ).state is EntryState.DELIVERED
    assert (await outbox.park(done.key, error="http_400", now=now)).state is EntryState.DELIVERED

    parked = await outbox.park(refused.key, error="http_400:bad code", now=now)
    assert (parked.state, parked.last_error, parked.next_attempt_at) == (
        EntryState.PARKED, "http_400:bad_code", None,
    )  # fmt: skip
    assert (await outbox.retry_later(refused.key, error="x", at=now)).state is EntryState.PARKED
    assert [e.key for e in await outbox.parked()] == [refused.key]

    at = T0 + timedelta(seconds=60)
    retried = await outbox.retry_later(later.key, error="http_503", at=at)
    assert (retried.next_attempt_at, retried.last_error) == (at, "http_503")
    assert await outbox.pending_count() == 1
    assert await outbox.claim_due(at - timedelta(seconds=1), limit=5, lease_seconds=30) == []
    due = await outbox.claim_due(at, limit=5, lease_seconds=30)
    assert [(e.key, e.attempts) for e in due] == [(later.key, 2)]
    with pytest.raises(OutboxError, match="no outbox entry"):
        await outbox.park("no-such-key", error="x", now=now)


# ---------------------------------------------------------------------------- the deliverer


async def test_two_failures_then_success_delivers_once_with_backoff(
    outbox: Outbox, backend: Backend, session: aiohttp.ClientSession
) -> None:
    backend.script = [500, 500]
    clock = Clock()
    worker = deliverer(outbox, http_send(session, backend.url), clock, base_delay=1.0)
    expected = random.Random(7)
    sub = make_sub(1)
    await outbox.put(sub)

    for attempt, ceiling in ((1, 1.0), (2, 2.0)):
        counts = await worker.run_once()
        assert (counts.claimed, counts.retried) == (1, 1)
        entry = await outbox.by_key(sub.key)
        assert entry is not None and entry.attempts == attempt and entry.last_error == "unavailable"
        delay = expected.uniform(0.0, ceiling)  # full jitter under 1 s, then 2 s
        assert entry.next_attempt_at == clock.now + timedelta(seconds=delay)
        assert (await worker.run_once()).claimed == 0  # not due before its backoff ends
        assert entry.next_attempt_at is not None
        clock.now = entry.next_attempt_at

    assert (await worker.run_once()).delivered == 1
    assert (await worker.run_once()).claimed == 0
    entry = await outbox.by_key(sub.key)
    print(f"posts={backend.posts[sub.key]} successes={backend.successes[sub.key]} {brief(entry)}")
    assert entry is not None and entry.state is EntryState.DELIVERED and entry.attempts == 3
    assert entry.service_request_id == backend.created[sub.key]
    assert (backend.posts[sub.key], backend.successes[sub.key]) == (3, 1)
    assert list(backend.posts) == [sub.key]  # every attempt carried the same key


async def test_a_refusal_is_parked_after_one_attempt(
    outbox: Outbox, backend: Backend, session: aiohttp.ClientSession
) -> None:
    backend.script = [400]
    clock = Clock()
    worker = deliverer(outbox, http_send(session, backend.url), clock)
    sub = make_sub(1)
    await outbox.put(sub)
    assert (await worker.run_once()).parked == 1
    clock.now += timedelta(days=1)
    assert (await worker.run_once()).claimed == 0
    parked = await outbox.parked()
    print(f"posts={backend.posts[sub.key]} parked={[(e.reference, e.last_error) for e in parked]}")
    assert [(e.key, e.attempts, e.last_error) for e in parked] == [(sub.key, 1, "http_400:400")]
    assert backend.posts[sub.key] == 1 and await outbox.pending_count() == 0


async def test_throttling_is_retried_not_parked(
    outbox: Outbox, backend: Backend, session: aiohttp.ClientSession
) -> None:
    backend.script = [429, 408]
    worker = deliverer(outbox, http_send(session, backend.url), Clock())
    sub = make_sub(1)
    await outbox.put(sub)
    outcomes = [await worker.run_once() for _ in range(3)]
    print(f"posts={backend.posts[sub.key]} outcomes={outcomes}")
    assert [c.retried for c in outcomes] == [1, 1, 0] and outcomes[2].delivered == 1
    assert backend.posts[sub.key] == 3 and backend.successes[sub.key] == 1


async def test_a_hanging_backend_times_out_and_is_retried(
    outbox: Outbox, backend: Backend, session: aiohttp.ClientSession
) -> None:
    backend.hang_first = 1  # the first POST never answers; the client gives up after 0.5 s
    worker = deliverer(outbox, http_send(session, backend.url), Clock())
    sub = make_sub(1)
    await outbox.put(sub)
    first = await worker.run_once()
    entry = await outbox.by_key(sub.key)
    assert first.retried == 1 and entry is not None and entry.state is EntryState.PENDING
    assert entry.last_error == "unavailable"
    assert (await worker.run_once()).delivered == 1
    print(f"posts={backend.posts[sub.key]} successes={backend.successes[sub.key]}")
    assert backend.posts[sub.key] == 2 and backend.successes[sub.key] == 1


async def test_attempts_run_out_into_the_parked_list(
    outbox: Outbox, backend: Backend, session: aiohttp.ClientSession
) -> None:
    backend.script = [503] * 5
    worker = deliverer(outbox, http_send(session, backend.url), Clock(), max_attempts=2)
    sub = make_sub(1)
    await outbox.put(sub)
    outcomes = [await worker.run_once() for _ in range(3)]
    print(f"posts={backend.posts[sub.key]} outcomes={outcomes}")
    assert [(c.retried, c.parked) for c in outcomes] == [(1, 0), (0, 1), (0, 0)]
    (parked,) = await outbox.parked()
    assert parked.last_error == "gave_up:unavailable" and backend.posts[sub.key] == 2


async def test_a_crash_between_sending_and_recording_resends_the_same_key(
    outbox: Outbox, backend: Backend, session: aiohttp.ClientSession
) -> None:
    send = http_send(session, backend.url)
    sub = make_sub(1)
    await outbox.put(sub)
    # A worker claims and sends, then dies before it records anything.
    (claimed,) = await outbox.claim_due(T0, limit=1, lease_seconds=30)
    lost = await send(claimed.submission)
    clock = Clock(T0 + timedelta(seconds=10))
    worker = deliverer(outbox, send, clock, lease_seconds=30)
    assert (await worker.run_once()).claimed == 0  # the dead worker's lease still holds
    clock.now = T0 + timedelta(seconds=31)
    assert (await worker.run_once()).delivered == 1
    entry = await outbox.by_key(sub.key)
    print(f"posts={backend.posts[sub.key]} created={len(backend.created)} {brief(entry)}")
    assert backend.posts[sub.key] == 2 and list(backend.posts) == [sub.key]
    assert len(backend.created) == 1  # the backend deduped the resend on the key
    assert entry is not None and entry.service_request_id == lost.service_request_id


async def test_repeated_yes_files_exactly_once(
    outbox: Outbox, backend: Backend, session: aiohttp.ClientSession
) -> None:
    sub = make_sub(1)
    entries = await asyncio.gather(*(outbox.put(sub) for _ in range(5)))
    assert {e.key for e in entries} == {sub.key}
    worker = deliverer(outbox, http_send(session, backend.url), Clock())
    counts = [await worker.run_once() for _ in range(2)]
    print(f"posts={dict(backend.posts)} counts={counts}")
    assert backend.posts == Counter({sub.key: 1}) and counts[0].delivered == 1


async def test_the_loop_delivers_while_the_dialog_waits(
    outbox: Outbox, backend: Backend, session: aiohttp.ClientSession
) -> None:
    now = datetime.now(UTC)
    worker = Deliverer(
        outbox=outbox,
        send=http_send(session, backend.url),
        clock=lambda: datetime.now(UTC),
        idle_poll=30.0,  # only a kick wakes it in time
    )
    loop = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.05)  # the loop is idle now
        filed, refused, slow = (make_sub(n, created_at=now) for n in (1, 2, 3))
        backend.script = [400]
        await outbox.put(refused)
        parked = await worker.wait_delivered(refused.key, 10.0)
        assert parked is not None and parked.state is EntryState.PARKED
        await outbox.put(filed)
        entry = await worker.wait_delivered(filed.key, 10.0)
        assert entry is not None and entry.state is EntryState.DELIVERED
        backend.hang_first = 1
        await outbox.put(slow)
        assert await worker.wait_delivered(slow.key, 0.2) is None  # still pending: answer now
        print(f"posts={dict(backend.posts)}")
    finally:
        worker.stop()
        await loop
    assert loop.done() and backend.posts[filed.key] == 1


async def test_the_open311_client_submit_as_send(outbox: Outbox, backend: Backend) -> None:
    from open311.client import Open311Client  # the real client, as the skill wires it

    backend.script = [503]
    base_url = backend.url.rsplit("/", 1)[0] + "/"
    async with Open311Client(base_url=base_url, timeout=2.0) as client:

        async def send(sub: Submission) -> Receipt:
            return await client.submit(sub.request, idempotency_key=sub.key)

        worker = deliverer(outbox, send, Clock())
        filed = make_sub(1)
        await outbox.put(filed)
        first, second = await worker.run_once(), await worker.run_once()
        backend.script = [400]
        refused = make_sub(2)
        await outbox.put(refused)
        third = await worker.run_once()
    done, parked = await outbox.by_key(filed.key), await outbox.by_key(refused.key)
    print(f"posts={list(backend.posts.values())} {brief(done)} / {brief(parked)}")
    assert (first.retried, second.delivered, third.parked) == (1, 1, 1)
    assert done is not None and done.service_request_id == backend.created[filed.key]
    assert parked is not None and parked.state is EntryState.PARKED
    assert parked.last_error is not None and parked.last_error.startswith("http_400")
    assert backend.posts == Counter({filed.key: 2, refused.key: 1})


async def test_an_unreachable_redis_is_an_outbox_error_and_the_loop_rides_it_out() -> None:
    outbox = RedisOutbox(url=f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5)
    worker = Deliverer(
        outbox=outbox,
        send=lambda sub: asyncio.sleep(0, Receipt("1")),
        clock=Clock(),
        idle_poll=0.05,
    )
    with pytest.raises(OutboxError, match="cannot claim from the Redis outbox"):
        await worker.run_once()
    with pytest.raises(OutboxError, match="cannot read the Redis outbox"):
        await outbox.by_reference("20000001")
    loop = asyncio.create_task(worker.run())
    await asyncio.sleep(0.3)  # several failed passes, each logged and waited out
    assert not loop.done()
    worker.stop()
    await loop
    await outbox.close()


# ---------------------------------------------------------------------------- two processes

WORKER = """
import asyncio, sys
from datetime import UTC, datetime
import aiohttp
from fulfillment.outbox import Deliverer, SqliteOutbox
from open311.types import Receipt

async def main(path: str, url: str) -> None:
    outbox = SqliteOutbox(path=path)
    async with aiohttp.ClientSession() as session:
        async def send(sub):
            headers = {"Idempotency-Key": sub.key}
            data = {"service_code": sub.request.service_code}
            async with session.post(url, data=data, headers=headers) as resp:
                resp.raise_for_status()
                body = await resp.json()
            return Receipt(service_request_id=body[0]["service_request_id"])

        worker = Deliverer(outbox=outbox, send=send, clock=lambda: datetime.now(UTC),
                           base_delay=0.0, batch=3)
        print("ready", flush=True)
        sys.stdin.readline()
        delivered = 0
        while await outbox.pending_count():
            counts = await worker.run_once()
            delivered += counts.delivered
            if not counts.claimed:
                await asyncio.sleep(0.01)
    await outbox.close()
    print(f"delivered={delivered}", flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_two_processes_on_one_sqlite_file_send_each_entry_once(
    tmp_path: Path, backend: Backend
) -> None:
    path = tmp_path / "shared.sqlite3"
    outbox = SqliteOutbox(path=path)
    subs = [make_sub(n, created_at=datetime.now(UTC)) for n in range(40)]
    for sub in subs:
        await outbox.put(sub)
    backend.delay = 0.02  # long enough for both workers to be sending at once
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            str(path),
            backend.url,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"ready"
    outputs = await asyncio.wait_for(
        asyncio.gather(*(proc.communicate(b"go\n") for proc in procs)), 120
    )
    per_worker = [out.decode().strip() for out, _ in outputs]
    delivered = [await outbox.by_key(sub.key) for sub in subs]
    await outbox.close()
    print(f"workers={per_worker} posts={sum(backend.posts.values())} keys={len(backend.posts)}")
    assert [proc.returncode for proc in procs] == [0, 0]
    assert sum(int(line.split("=")[1]) for line in per_worker) == 40
    assert backend.posts == Counter({sub.key: 1 for sub in subs})  # each sent exactly once
    assert all(e is not None and e.state is EntryState.DELIVERED for e in delivered)


# ---------------------------------------------------------------------------- Redis restarts


def start_redis(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; the outbox restart test needs a real server")
    proc = subprocess.Popen(
        [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
            "--appendonly", "yes", "--appendfsync", "always", "--save", "",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("redis-server did not start within 10 s")


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[tuple[int, Path, list[subprocess.Popen[bytes]]]]:
    port, procs = free_port(), []
    procs.append(start_redis(port, tmp_path))
    yield port, tmp_path, procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


async def ready(outbox: RedisOutbox) -> None:
    """Wait until the restarted server has replayed its AOF and answers."""
    deadline = time.monotonic() + 10
    while not await outbox.ping():
        assert time.monotonic() < deadline, "redis did not come back"
        await asyncio.sleep(0.05)


async def test_a_redis_crash_between_put_and_delivery_loses_nothing(
    aof_redis: tuple[int, Path, list[subprocess.Popen[bytes]]],
    backend: Backend,
    session: aiohttp.ClientSession,
) -> None:
    port, data_dir, procs = aof_redis
    url = f"redis://127.0.0.1:{port}/0"
    sub = make_sub(1, owner="owner-1")
    first = RedisOutbox(url=url, socket_timeout=1.0)
    await first.put(sub)
    procs[0].kill()  # SIGKILL: no shutdown save, only what the AOF fsynced survives
    procs[0].wait(timeout=10)
    with pytest.raises(FulfillmentError, match="Redis outbox"):
        await first.put(make_sub(2))  # an outage is the outbox's error, not a raw RedisError
    await first.close()

    procs.append(start_redis(port, data_dir))
    second = RedisOutbox(url=url)
    await ready(second)
    found = await second.by_reference(sub.reference)
    assert found is not None and found.state is EntryState.PENDING and found.submission == sub
    worker = deliverer(second, http_send(session, backend.url), Clock())
    assert (await worker.run_once()).delivered == 1
    await second.close()

    procs[1].kill()
    procs[1].wait(timeout=10)
    procs.append(start_redis(port, data_dir))
    third = RedisOutbox(url=url)
    await ready(third)
    entry = await third.latest_for("owner-1")
    assert (
        await deliverer(third, http_send(session, backend.url), Clock()).run_once()
    ).claimed == 0
    await third.close()
    print(f"posts={backend.posts[sub.key]} after two restarts: {brief(entry)}")
    assert entry is not None and entry.state is EntryState.DELIVERED
    assert backend.posts == Counter({sub.key: 1})
