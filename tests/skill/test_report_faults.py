"""Filing reports while the Region's Open311 endpoint fails: nothing lost, nothing doubled.

Everything is a real process on a real socket: the backend is one `durham311 serve`
(the embedded Open311 backend), the service under test another, configured with
open311_url pointing at a fault proxy in front of the backend. Each test confirms
several reports, each in its own console session, while the endpoint fails in one way,
then lets it recover, and checks against the backend's own database that every confirmed
report is there exactly once, under the idempotency key the service sent, and that the
resident heard a reference at once and can follow it from "saved" to "open".
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import free_port
from tests.skill.procs import (
    API_KEY,
    FAST_RETRIES,
    HANG,
    HANG_AFTER,
    PASS,
    POTHOLE,
    REFUSE_500,
    Console,
    FaultProxy,
    RedisServer,
    Serve,
    backend_rows,
    outbox_rows,
    proxy_url,
    reference_in,
    serve_env,
    until,
)

pytestmark = pytest.mark.slow
REPORTS = 3
SAVED = "I've saved your report, and it will be sent to the Region"
WAITING = "is saved, but it hasn't reached the Region's system yet"
# A send cut off by a crash holds its 30-second lease before it is sent again.
AFTER_A_CRASH = 75.0


@dataclass(frozen=True)
class Stack:
    backend: Serve
    service: Serve  # reaches the backend only through a proxy on proxy_port
    proxy_port: int


@pytest.fixture(scope="module")
def stack(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The backend and the service in front of it, started side by side (both load the
    model at once), shared by the tests that need no process of their own."""
    root = tmp_path_factory.mktemp("faults")
    backend = Serve(serve_env(model_dir, root / "backend", OPEN311_API_KEYS=API_KEY),
                    root / "backend.log")  # fmt: skip
    port = free_port()
    service = Serve(
        serve_env(model_dir, root / "service",
                  OPEN311_URL=proxy_url(port),
                  OPEN311_API_KEY=API_KEY, **FAST_RETRIES),
        root / "service.log",
    )  # fmt: skip
    try:
        backend.spawn()
        service.spawn()
        backend.wait_healthy()
        service.wait_healthy()
        yield Stack(backend, service, port)
    finally:
        service.stop()
        backend.stop()


@pytest.fixture
def backend(stack: Stack) -> Serve:
    return stack.backend


@pytest.fixture
def service(stack: Stack) -> Serve:
    return stack.service


@pytest.fixture
async def proxy(stack: Stack) -> AsyncIterator[FaultProxy]:
    """The shared service's proxy, not yet listening; fresh counts for every test."""
    made = FaultProxy(upstream=stack.backend.url, port=stack.proxy_port)
    yield made
    await made.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


def requests_db(serve: Serve) -> Path:
    return Path(serve.env["DURHAM311_REQUESTS_DB"])


def outbox_db(serve: Serve) -> Path:
    return Path(serve.env["DURHAM311_OUTBOX_DB"])


async def confirm_while_failing(console: Console, n: int = REPORTS) -> list[str]:
    """n residents confirm a report at once; each hears "saved" and a reference at once."""
    replies = await asyncio.gather(*(console.file_pothole(str(uuid.uuid4())) for _ in range(n)))
    for reply in replies:
        assert SAVED in reply, reply
    references = [reference_in(reply) for reply in replies]
    assert len(set(references)) == n
    return references


async def assert_waiting(console: Console, references: list[str]) -> None:
    for ref in references:
        reply = await console.status(str(uuid.uuid4()), ref)
        assert WAITING in reply, reply


async def wait_open(console: Console, references: list[str], *, timeout: float = 30.0) -> None:
    """Until a status question about every reference says "is open" (read from the backend)."""

    async def all_open() -> bool:
        for ref in references:
            reply = await console.status(str(uuid.uuid4()), ref)
            if "is open" not in reply:
                return False
            assert "a pothole" in reply, reply
        return True

    await until(all_open, timeout=timeout, what="open at the backend")


def assert_exactly_once(
    label: str,
    before: dict[int, str | None],
    backend: Serve,
    proxy: FaultProxy,
    references: list[str],
    outbox: Path | None,
) -> dict[int, str]:
    """Ground truth from the backend's database: one new request per confirmed report,
    each under a key the service sent; with a SQLite outbox, each reference's key is the
    key of the very request recorded for it."""
    after = backend_rows(requests_db(backend))
    new = {rid: key for rid, key in after.items() if rid not in before}
    keys = proxy.keys_sent()

    def short(counts: dict[str, int]) -> dict[str, int]:
        return {k[:8]: v for k, v in sorted(counts.items())}

    print(
        f"[{label}] confirmed={len(references)} backend_new_requests={len(new)} "
        f"keys_sent={len(keys)} forwarded={short(proxy.forwarded)} "
        f"replayed={short(proxy.replayed)} answered_500={short(proxy.failed)} "
        f"held={short(proxy.held)}"
    )
    assert len(new) == len(references), f"{len(new)} requests for {len(references)} reports"
    assert all(key is not None for key in new.values()), "a request arrived without its key"
    assert sorted(k for k in new.values() if k) == sorted(keys), "one request per key sent"
    if outbox is not None:
        rows = outbox_rows(outbox)
        for ref in references:
            key, state, srid = rows[ref]
            assert state == "delivered" and srid is not None
            assert new[int(srid)] == key, "the reference names the request made under its key"
    return {rid: key for rid, key in new.items() if key}


async def test_backend_down_then_back(backend: Serve, service: Serve, proxy: FaultProxy,
                                      http: aiohttp.ClientSession) -> None:  # fmt: skip
    console = Console(http, service.url)
    before = backend_rows(requests_db(backend))
    # The proxy is not listening: every connection to the endpoint is refused.
    references = await confirm_while_failing(console)
    await assert_waiting(console, references)
    assert backend_rows(requests_db(backend)) == before
    await proxy.start()
    await wait_open(console, references)
    assert_exactly_once("down", before, backend, proxy, references, outbox_db(service))


async def test_backend_answering_500_then_recovering(
    backend: Serve, service: Serve, proxy: FaultProxy, http: aiohttp.ClientSession
) -> None:
    console = Console(http, service.url)
    before = backend_rows(requests_db(backend))
    await proxy.start()
    proxy.set_mode(REFUSE_500)
    references = await confirm_while_failing(console)
    await assert_waiting(console, references)

    async def each_retried() -> bool:
        return len(proxy.failed) == REPORTS and min(proxy.failed.values()) >= 2

    await until(each_retried, timeout=20, what="retried after a 500")
    assert backend_rows(requests_db(backend)) == before
    proxy.set_mode(PASS)
    await wait_open(console, references)
    assert_exactly_once("500", before, backend, proxy, references, outbox_db(service))


@pytest.mark.parametrize("mode", [HANG, HANG_AFTER])
async def test_backend_hanging_past_the_timeout_then_healthy(
    backend: Serve, service: Serve, proxy: FaultProxy, http: aiohttp.ClientSession, mode: str
) -> None:
    """hang: the request never reaches the backend. hang-after-forward: the backend makes
    it, but the answer never comes back in time, so the service sends it again."""
    console = Console(http, service.url)
    before = backend_rows(requests_db(backend))
    await proxy.start()
    proxy.set_mode(mode)
    references = await confirm_while_failing(console)
    await assert_waiting(console, references)

    async def each_held() -> bool:
        return len(proxy.held) == REPORTS

    await until(each_held, timeout=20, what="held by the hanging endpoint")
    made_while_hanging = len(backend_rows(requests_db(backend))) - len(before)
    print(f"[{mode}] requests the backend made while the service heard nothing: "
          f"{made_while_hanging}")  # fmt: skip
    assert made_while_hanging == (REPORTS if mode == HANG_AFTER else 0)
    proxy.set_mode(PASS)
    await wait_open(console, references)
    assert_exactly_once(mode, before, backend, proxy, references, outbox_db(service))
    if mode == HANG_AFTER:  # sent again, and the backend knew it by its key
        assert all(proxy.forwarded[k] >= 2 and proxy.replayed[k] >= 1 for k in proxy.keys_sent())


async def test_service_killed_mid_delivery_and_restarted(
    backend: Serve, model_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    """SIGKILL while sends are in flight and the backend already holds every report: the
    restarted service (same outbox file) sends them again, and the backend dedupes."""
    proxy = FaultProxy(upstream=backend.url)
    service = Serve(
        serve_env(model_dir, tmp_path / "service", OPEN311_URL=proxy.url,
                  OPEN311_API_KEY=API_KEY, **FAST_RETRIES),
        tmp_path / "service.log",
    )  # fmt: skip
    before = backend_rows(requests_db(backend))
    await proxy.start()
    try:
        proxy.set_mode(HANG_AFTER)
        await service.start()
        console = Console(http, service.url)
        references = await confirm_while_failing(console)
        await assert_waiting(console, references)

        async def all_made_and_one_in_flight() -> bool:
            return len(proxy.forwarded) == REPORTS and proxy.in_flight >= 1

        await until(all_made_and_one_in_flight, timeout=20, what="forwarded and in flight")
        in_flight = proxy.in_flight
        service.kill()
        print(
            f"[sigkill] killed with {in_flight} send(s) in flight; "
            f"backend already had {len(backend_rows(requests_db(backend))) - len(before)}"
        )
        proxy.set_mode(PASS)
        await service.start()
        await wait_open(console, references, timeout=AFTER_A_CRASH)
        assert_exactly_once("sigkill", before, backend, proxy, references, outbox_db(service))
        assert all(proxy.forwarded[k] >= 2 and proxy.replayed[k] >= 1 for k in proxy.keys_sent())
    finally:
        service.stop()
        await proxy.close()


async def test_redis_restarted_mid_delivery(
    backend: Serve, model_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    """The outbox in Redis (AOF, fsync always): Redis is killed while the service keeps
    retrying a down endpoint, comes back from its files, and then the endpoint does."""
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    proxy = FaultProxy(upstream=backend.url)  # not listening yet: the endpoint is down
    service = Serve(
        serve_env(model_dir, tmp_path / "service", OPEN311_URL=proxy.url,
                  OPEN311_API_KEY=API_KEY, REDIS_URL=redis.url, **FAST_RETRIES),
        tmp_path / "service.log",
    )  # fmt: skip
    before = backend_rows(requests_db(backend))
    try:
        await service.start()
        console = Console(http, service.url)
        references = await confirm_while_failing(console)
        await assert_waiting(console, references)
        redis.kill()

        async def outage_noticed() -> bool:
            return "outbox unavailable" in service.tail(20_000)

        await until(outage_noticed, timeout=20, what="noticed by the deliverer")
        redis.start()
        await proxy.start()
        # Known bug (see test_a_conversation_goes_on_across_a_redis_restart): the first use of
        # each pooled connection after the restart fails, so a turn may get a 503 (counted
        # here), and a delivery may be sent but not recorded, to be resent when its lease ends.
        console.storage_outage = True
        await wait_open(console, references, timeout=AFTER_A_CRASH)
        print(f"[redis] turns answered 503 after Redis was back: {dict(console.unavailable)}")
        assert_exactly_once("redis", before, backend, proxy, references, None)
        assert not outbox_db(service).exists(), "the outbox was Redis, not SQLite"
    finally:
        service.stop()
        await proxy.close()
        redis.kill()


async def test_a_conversation_goes_on_across_a_redis_restart(
    model_dir: Path, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    """A resident halfway through a report when Redis restarts (AOF, fsync always) carries
    on: the session was durable, and Redis is back before the next turn."""
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    service = Serve(serve_env(model_dir, tmp_path / "service", REDIS_URL=redis.url),
                    tmp_path / "service.log")  # fmt: skip
    try:
        await service.start()
        console = Console(http, service.url)
        session = str(uuid.uuid4())
        assert "dinner plate" in await console.say(session, POTHOLE)
        redis.kill()
        redis.start()
        reply = await console.say(session, "small")
        assert "Shall I file it?" in reply and "smaller than a dinner plate" in reply, reply
    finally:
        service.stop()
        redis.kill()
