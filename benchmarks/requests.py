"""Filing service requests, measured through real `durham311 serve` processes in one run.

    make bench-requests
    .venv/bin/python -m benchmarks.requests [--quick] [--conversations 200]

Printed side by side:

1. Filing conversations per second through POST /console/turn with the embedded
   Open311 backend, with 1 and with 8 concurrent clients: each conversation is the three
   turns a resident says ("there's a pothole on simcoe street north in oshawa", "small",
   "yes"); turn latency p50/p99, and p50/p99 of the "yes" turn alone, the one that files
   the report: what a resident waits for before hearing "filed".
2. The outbox after an outage: an external backend (a second `durham311 serve` that
   accepts an API key) reached through a fault proxy in this process. The proxy answers
   503 while reports are filed, then lets requests through; the figure is how long until
   the backend holds every one of them (rows counted in its SQLite file), as deliveries
   per second, with the retry settings used beside it, and how many it holds twice.
3. What a resident waits for on "yes" with that backend healthy and with it hanging
   (the proxy passes each request on but holds the backend's answer past
   DURHAM311_OPEN311_TIMEOUT): p50/p99, and how many replies said "filed" and how many
   "saved ... will be sent"; then, once answers come through again, how long the outbox
   takes to empty and whether the backend holds any report twice (the resends of reports
   it had already filed must be replayed through their idempotency keys).

Every server gets fresh databases in a temporary directory and the default settings
otherwise; all traffic stays on 127.0.0.1; every loop is bounded in count and by a
deadline; every process started here is stopped before the command returns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
DURHAM311 = Path(sys.executable).parent / "durham311"
MODEL_DIR = ROOT / "var" / "models" / "nlu"
CONVERSATION = ("there's a pothole on simcoe street north in oshawa", "small", "yes")
API_KEY = "benchkey"
REQUESTS_TABLE = "open311_requests"  # open311.store.TABLE
# Outbox retries while the backend is down: the settings the recovery figure is measured with.
RETRY_SETTINGS = {"DURHAM311_OUTBOX_BASE_DELAY": "0.1", "DURHAM311_OUTBOX_MAX_DELAY": "0.5"}
OPEN311_TIMEOUT = 5.0  # the service's default, stated so the proxy can hang past it
REPORT_WAIT = 1.5  # the service's default
HANG_EXTRA = 2.0  # the hanging proxy holds a request this long past the client's timeout
START_DEADLINE = 90.0
PHASE_DEADLINE = 240.0  # any one measured phase
DELIVERY_DEADLINE = 120.0
_DIGITS = re.compile(r"\d+")
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
HOP_HEADERS = frozenset(
    h.lower()
    for h in ("Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Host",
              "Content-Encoding", "Date", "Server")
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Plan:
    """How much is measured: the full run, or `--quick`'s smaller one."""

    conversations: int  # per client count, embedded backend
    clients: tuple[int, ...]
    outbox_reports: int  # filed during the outage
    outage_clients: int  # concurrent residents filing during the outage
    wait_conversations: int  # per backend state, healthy and hanging
    wait_clients: int


FULL = Plan(200, (1, 8), 200, 16, 40, 1)
QUICK = Plan(40, (1, 8), 40, 16, 10, 1)


@dataclass(slots=True)
class ConversationRun:
    """Conversations played against one service in one setting, and what they heard."""

    label: str
    clients: int
    started: int = 0
    seconds: float = float("nan")
    turn_ms: list[float] = field(default_factory=list)
    yes_ms: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)  # filed, saved, off-script, error
    odd: list[str] = field(default_factory=list)  # the first few unexpected replies
    timed_out: bool = False

    @property
    def finished(self) -> int:
        return self.outcomes["filed"] + self.outcomes["saved"]

    @property
    def per_second(self) -> float:
        return self.finished / self.seconds if self.seconds > 0 else float("nan")

    def share(self, outcome: str) -> float:
        total = sum(self.outcomes.values())
        return self.outcomes[outcome] / total if total else float("nan")


@dataclass(slots=True)
class Recovery:
    """The outbox emptied into a backend that has just come back."""

    filing: ConversationRun
    saved: int = 0  # reports in the outbox when the backend came back
    at_backend_early: int = 0  # of them, at the backend before it came back (none expected)
    outage_s: float = float("nan")
    refused_during_outage: int = 0  # 503s the proxy answered: the retry traffic
    first_s: float = float("nan")  # from reopening to the backend's first new report
    all_s: float = float("nan")  # ... to its last
    arrived: int = 0
    duplicates: int = 0
    listed: int = -1  # what the backend's GET requests.json lists, as a cross-check
    held: int = 0  # rows in the backend's file at the end, to compare with `listed`
    attempts: int = 0  # sends started, summed over the outbox's entries

    @property
    def per_second(self) -> float:
        return self.arrived / self.all_s if self.all_s > 0 else float("nan")

    @property
    def steady_per_second(self) -> float:
        """Once the first arrived: the sending itself, without the wait for the next retry."""
        span = self.all_s - self.first_s
        return (self.arrived - 1) / span if span > 0 and self.arrived > 1 else float("nan")


@dataclass(slots=True)
class Aftermath:
    """The reports saved while the backend hung, once it answers again."""

    saved: int = 0
    filed_unanswered: int = 0  # at the backend already, though the service heard no answer
    failed_s: float = float("nan")  # how long the backend hung
    held: int = 0  # backend requests whose answer the proxy held past the timeout
    attempts: int = 0  # sends started, summed over the outbox's entries
    all_s: float = float("nan")  # from the backend answering again to the outbox empty
    duplicates: int = 0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------ the servers under test


@dataclass(slots=True)
class Service:
    """One `durham311 serve` process and its files."""

    name: str
    proc: subprocess.Popen[bytes]
    url: str
    home: Path
    log: Path

    @property
    def requests_db(self) -> Path:
        return self.home / "requests.sqlite3"

    @property
    def outbox_db(self) -> Path:
        return self.home / "outbox.sqlite3"

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_lines(self) -> Counter[str]:
        """The service's WARNING-and-worse log lines by shape (numbers as #), and tracebacks:
        what a run made the service complain about, without reading the whole log."""
        shapes: Counter[str] = Counter()
        with contextlib.suppress(OSError):
            for line in self.log.read_text(errors="replace").splitlines():
                if line.startswith("Traceback"):
                    shapes["Traceback"] += 1
                for level in ("WARNING", "ERROR", "CRITICAL"):
                    if f" {level} " in line:
                        message = line.split(f" {level} ", 1)[1]
                        shapes[f"{level} {_DIGITS.sub('#', message)[:110]}"] += 1
        return shapes


def service_env(home: Path, model_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    """Default settings with fresh databases: nothing inherited from the caller's DURHAM311_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DURHAM311_")}
    env.update(
        DURHAM311_CONTENT_DB=str(home / "content.sqlite3"),
        DURHAM311_REQUESTS_DB=str(home / "requests.sqlite3"),
        DURHAM311_OUTBOX_DB=str(home / "outbox.sqlite3"),
        DURHAM311_MODEL_DIR=str(model_dir),
        DURHAM311_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def launch(name: str, workdir: Path, model_dir: Path, extra: dict[str, str]) -> Service:
    home = workdir / name
    home.mkdir()
    port = free_port()
    log = home / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(DURHAM311), "serve", "--port", str(port)],
            env=service_env(home, model_dir, extra),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Service(name, proc, f"http://127.0.0.1:{port}", home, log)


async def until_healthy(service: Service, session: aiohttp.ClientSession) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if service.proc.poll() is not None:
            break
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(f"{service.url}/health") as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{service.name}: durham311 serve did not start\n{service.log_tail()}")


def stop(service: Service) -> None:
    if service.proc.poll() is None:
        service.proc.terminate()
        try:
            service.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.proc.kill()
            service.proc.wait(timeout=10)


@contextlib.contextmanager
def services() -> Iterator[dict[str, Service]]:
    """The servers started, by name; each one is stopped on the way out, whatever happened."""
    started: dict[str, Service] = {}
    try:
        yield started
    finally:
        for service in started.values():
            stop(service)


# ------------------------------------------------------------------ the fault proxy


class FaultProxy:
    """A pass-through HTTP proxy in front of the backend that can answer 503 or hang instead.

    Modes: "pass" forwards every request; "fail" answers 503 at once; "hang" forwards the
    request (the backend files it) but holds the answer `hang_seconds`, past the client's
    timeout, or until the mode changes: the case where only the idempotency key keeps the
    outbox's resend from filing the report twice.
    """

    def __init__(self, *, upstream: str, hang_seconds: float) -> None:
        self.upstream, self.hang_seconds = upstream, hang_seconds
        self.mode = "pass"
        self.answered: Counter[str] = Counter()
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.url = ""

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._release.set()  # held answers are dropped now
        self._release = asyncio.Event()

    async def start(self) -> None:
        self._client = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        self.set_mode("fail")
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        mode = self.mode
        if mode == "fail":
            self.answered["503"] += 1
            return web.Response(status=503, text="backend down (benchmark proxy)")
        if mode == "hang":  # the backend does the work; its answer never comes back in time
            release = self._release
            self.answered["held"] += 1
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                await self._forward(request)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(release.wait(), timeout=self.hang_seconds)
            return web.Response(status=503, text="held, then dropped by the benchmark proxy")
        response = await self._forward(request)
        self.answered["passed"] += 1
        return response

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        body = await request.read()
        async with self._client.request(
            request.method, self.upstream + request.path_qs, headers=headers, data=body
        ) as upstream:
            payload = await upstream.read()
            back = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS}
            return web.Response(status=upstream.status, body=payload, headers=back)


# ------------------------------------------------------------------ residents


def outcome_of(speech: str) -> str:
    if "It's filed" in speech:
        return "filed"
    if "I've saved your report" in speech and "will be sent" in speech:
        return "saved"
    return "off-script"


async def turn(session: aiohttp.ClientSession, url: str, sid: str, text: str) -> tuple[
    float, int, Any
]:  # fmt: skip
    started = time.perf_counter()
    async with session.post(f"{url}/console/turn", json={"text": text, "session_id": sid}) as resp:
        body = await resp.json(content_type=None)
        status = resp.status
    return (time.perf_counter() - started) * 1000, status, body


async def converse(session: aiohttp.ClientSession, url: str, run: ConversationRun) -> None:
    """One resident's three turns; the "yes" turn's reply decides the outcome."""
    sid = f"bench-{uuid.uuid4().hex}"
    run.started += 1
    for text in CONVERSATION:
        try:
            ms, status, body = await turn(session, url, sid, text)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            run.outcomes["error"] += 1
            _note(run, f"{text!r}: {type(exc).__name__}")
            return
        if status != 200:
            run.outcomes["error"] += 1
            _note(run, f"{text!r}: HTTP {status} {str(body)[:120]}")
            return
        run.turn_ms.append(ms)
        speech = str(body.get("reply", {}).get("speech", ""))
        if text == "small" and "Shall I file it?" not in speech:
            run.outcomes["off-script"] += 1
            _note(run, f"{text!r}: {speech[:160]}")
            return
        if text == "yes":
            run.yes_ms.append(ms)
            outcome = outcome_of(speech)
            run.outcomes[outcome] += 1
            if outcome == "off-script":
                _note(run, f"'yes': {speech[:160]}")


def _note(run: ConversationRun, what: str) -> None:
    if len(run.odd) < 3:
        run.odd.append(what)


async def play(
    url: str, *, label: str, count: int, clients: int, deadline_s: float = PHASE_DEADLINE
) -> ConversationRun:
    """`count` conversations over `clients` concurrent connections, stopped at the deadline."""
    run = ConversationRun(label, clients)
    numbers = iter(range(count))  # shared: each client takes the next conversation
    deadline = time.monotonic() + deadline_s
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as session:

        async def client() -> None:
            for _ in numbers:
                if time.monotonic() > deadline:
                    run.timed_out = True
                    return
                await converse(session, url, run)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        run.seconds = time.perf_counter() - started
    return run


# ------------------------------------------------------------------ the databases, read-only


def count_rows(path: Path) -> int:
    """Reports the backend holds: rows in its SQLite file, read-only, each call a fresh read."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        (count,) = db.execute(f"SELECT count(*) FROM {REQUESTS_TABLE}").fetchone()
        return int(count)


def outbox_figures(path: Path) -> tuple[int, int]:
    """(pending entries, sends started over all entries) in a service's outbox."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        pending, attempts = db.execute(
            "SELECT sum(state = 'pending'), coalesce(sum(attempts), 0) FROM outbox"
        ).fetchone()
        return int(pending or 0), int(attempts)


async def until_outbox_empty(service: Service, deadline_s: float = DELIVERY_DEADLINE) -> bool:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if outbox_figures(service.outbox_db)[0] == 0:
            return True
        await asyncio.sleep(0.05)
    return False


async def listed_by_backend(backend: Service) -> int:
    """How many pothole requests the backend's own GET requests.json lists (at most 1000)."""
    url = f"{backend.url}/open311/v2/requests.json"
    async with (
        aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session,
        session.get(url, params={"service_code": "pothole"}) as resp,
    ):
        if resp.status != 200:
            return -1
        return len(await resp.json())


# ------------------------------------------------------------------ the measurements


async def outbox_recovery(
    proxy: FaultProxy, external: Service, backend: Service, plan: Plan
) -> Recovery:
    """File while the backend is down, reopen it, and time the outbox emptying into it."""
    await until_outbox_empty(external)
    before = count_rows(backend.requests_db)
    _, attempts_before = outbox_figures(external.outbox_db)
    proxy.set_mode("fail")
    refused_before = proxy.answered["503"]
    outage_started = time.perf_counter()
    filing = await play(external.url, label="filed during the outage",
                        count=plan.outbox_reports, clients=plan.outage_clients)  # fmt: skip
    recovery = Recovery(filing)
    recovery.saved = outbox_figures(external.outbox_db)[0]
    recovery.at_backend_early = count_rows(backend.requests_db) - before
    reopened = time.perf_counter()
    proxy.set_mode("pass")
    recovery.outage_s = reopened - outage_started
    recovery.refused_during_outage = proxy.answered["503"] - refused_before
    deadline = time.monotonic() + DELIVERY_DEADLINE
    while time.monotonic() < deadline:
        arrived = count_rows(backend.requests_db) - before
        elapsed = time.perf_counter() - reopened
        if arrived > 0 and recovery.first_s != recovery.first_s:  # still NaN
            recovery.first_s = elapsed
        if arrived >= recovery.saved:
            recovery.all_s, recovery.arrived = elapsed, arrived
            break
        await asyncio.sleep(0.01)
    else:
        recovery.arrived = count_rows(backend.requests_db) - before
    await until_outbox_empty(external, 10.0)
    await asyncio.sleep(1.0)  # any late resend would land now
    recovery.duplicates = count_rows(backend.requests_db) - before - recovery.saved
    recovery.listed = await listed_by_backend(backend)
    recovery.held = count_rows(backend.requests_db)
    recovery.attempts = outbox_figures(external.outbox_db)[1] - attempts_before
    return recovery


async def resident_wait(
    proxy: FaultProxy, external: Service, plan: Plan, *, mode: str, label: str
) -> ConversationRun:
    """The "yes" turn with the backend in one state: healthy ("pass") or hanging ("hang")."""
    await until_outbox_empty(external, 30.0)
    proxy.set_mode(mode)
    try:
        return await play(external.url, label=label, count=plan.wait_conversations,
                          clients=plan.wait_clients)  # fmt: skip
    finally:
        proxy.set_mode("pass")


async def hanging_backend(
    proxy: FaultProxy, external: Service, backend: Service, plan: Plan
) -> tuple[ConversationRun, Aftermath]:
    """Residents file while the backend's answers hang; then the answers come through again
    and the outbox empties (the backend has most reports already: nothing may be filed twice).
    """
    await until_outbox_empty(external, 30.0)
    before = count_rows(backend.requests_db)
    _, attempts_before = outbox_figures(external.outbox_db)
    held_before = proxy.answered["held"]
    proxy.set_mode("hang")
    hanging = await play(external.url, label="backend hanging", count=plan.wait_conversations,
                         clients=plan.wait_clients)  # fmt: skip
    after = Aftermath(saved=outbox_figures(external.outbox_db)[0], failed_s=hanging.seconds)
    after.filed_unanswered = count_rows(backend.requests_db) - before
    healed = time.perf_counter()
    proxy.set_mode("pass")
    after.held = proxy.answered["held"] - held_before
    if await until_outbox_empty(external, DELIVERY_DEADLINE):
        after.all_s = time.perf_counter() - healed
    await asyncio.sleep(1.0)  # any late resend would land now
    after.duplicates = count_rows(backend.requests_db) - before - after.saved
    after.attempts = outbox_figures(external.outbox_db)[1] - attempts_before
    return hanging, after


@contextlib.asynccontextmanager
async def fault_proxy(upstream: str) -> AsyncIterator[FaultProxy]:
    proxy = FaultProxy(upstream=upstream, hang_seconds=OPEN311_TIMEOUT + HANG_EXTRA)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


async def measure(plan: Plan, model_dir: Path, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with services() as started:
        backend_env = {"DURHAM311_OPEN311_API_KEYS": API_KEY}
        started["embedded"] = launch("embedded", workdir, model_dir, {})
        started["backend"] = launch("backend", workdir, model_dir, backend_env)
        await until_all_healthy(list(started.values()))
        backend = started["backend"]
        async with fault_proxy(backend.url) as proxy:
            started["external"] = launch("external", workdir, model_dir, {
                "DURHAM311_OPEN311_URL": f"{proxy.url}/open311/v2/",
                "DURHAM311_OPEN311_API_KEY": API_KEY,
                **RETRY_SETTINGS,
            })  # fmt: skip
            external = started["external"]
            await until_all_healthy([external])
            await measure_embedded(started["embedded"], external, plan, results)
            await measure_external(proxy, external, backend, plan, results)
            stop(external)  # before the proxy goes: its outbox would only retry into nothing
            results["proxy"] = dict(proxy.answered)
        for service in started.values():
            stop(service)
        results["logs"] = {name: s.log_lines() for name, s in started.items()}
    return results


async def until_all_healthy(servers: list[Service]) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        await asyncio.gather(*(until_healthy(s, session) for s in servers))


async def measure_embedded(
    embedded: Service, external: Service, plan: Plan, results: dict[str, Any]
) -> None:
    progress("warming up")
    await play(embedded.url, label="warm-up", count=5, clients=1)
    await play(external.url, label="warm-up", count=5, clients=1)
    results["filing"] = []
    for clients in plan.clients:
        progress(f"filing: {plan.conversations} conversations, {clients} client(s)")
        results["filing"].append(await play(
            embedded.url, label=f"{clients} client(s)", count=plan.conversations, clients=clients
        ))  # fmt: skip


async def measure_external(
    proxy: FaultProxy, external: Service, backend: Service, plan: Plan, results: dict[str, Any]
) -> None:
    progress(f"resident wait: {plan.wait_conversations} conversations, backend healthy")
    healthy = await resident_wait(proxy, external, plan, mode="pass", label="backend healthy")
    progress(f"outbox: {plan.outbox_reports} reports filed during an outage")
    results["recovery"] = await outbox_recovery(proxy, external, backend, plan)
    progress(f"resident wait: {plan.wait_conversations} conversations, backend hanging")
    hanging, results["aftermath"] = await hanging_backend(proxy, external, backend, plan)
    results["wait"] = [healthy, hanging]


def progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the report


def ms(value: float) -> str:
    if value != value:
        return "n/a"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def p50_p99(values: list[float]) -> str:
    return f"{ms(percentile(values, 50))} / {ms(percentile(values, 99))}"


def pct(value: float) -> str:
    return "n/a" if value != value else f"{value:.0%}"


def said(run: ConversationRun) -> str:
    return f"{pct(run.share('filed'))} / {pct(run.share('saved'))}"


def completed(run: ConversationRun) -> str:
    note = " (deadline hit)" if run.timed_out else ""
    return f"{run.finished}/{run.started}{note}"


def filing_rows(runs: list[ConversationRun]) -> list[tuple[str, list[str]]]:
    return [
        ("conversations completed", [completed(r) for r in runs]),
        ("conversations/s (3 turns each)", [f"{r.per_second:.1f}" for r in runs]),
        ("turn latency p50 / p99", [p50_p99(r.turn_ms) for r in runs]),
        ('"yes" turn (files it) p50 / p99', [p50_p99(r.yes_ms) for r in runs]),
        ('said "filed" / "saved, will be sent"', [said(r) for r in runs]),
    ]


def wait_rows(runs: list[ConversationRun]) -> list[tuple[str, list[str]]]:
    return [
        ("conversations completed", [completed(r) for r in runs]),
        ('"yes" turn p50 / p99', [p50_p99(r.yes_ms) for r in runs]),
        ('said "filed" / "saved, will be sent"', [said(r) for r in runs]),
    ]


def secs(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f} s"


def rate(value: float) -> str:
    return "n/a" if value != value else f"{value:.0f}"


def outbox_rows(r: Recovery, a: Aftermath) -> list[tuple[str, list[str]]]:
    def per_report(attempts: int, saved: int) -> str:
        return f"{attempts / saved:.1f}" if saved else "n/a"

    return [
        ("reports saved while it failed", [str(r.saved), str(a.saved)]),
        ("of them at the backend already (answer lost)",
         [str(r.at_backend_early), str(a.filed_unanswered)]),
        ("failure lasted; backend requests failed",
         [f"{r.outage_s:.1f} s; {r.refused_during_outage} got 503",
          f"{a.failed_s:.1f} s; {a.held} held"]),
        ("sends started per report", [per_report(r.attempts, r.saved),
                                      per_report(a.attempts, a.saved)]),
        ("first at the backend after it recovered", [secs(r.first_s), "(all there)"]),
        ("all delivered after it recovered", [secs(r.all_s), secs(a.all_s)]),
        ("deliveries/s (all / time to the last)", [rate(r.per_second), "n/a"]),
        ("deliveries/s once the first arrived", [rate(r.steady_per_second), "n/a"]),
        ("held twice by the backend", [str(r.duplicates), str(a.duplicates)]),
    ]  # fmt: skip


def text_table(header: list[str], rows: list[tuple[str, list[str]]]) -> str:
    first = max(len(x) for x in [header[0], *(label for label, _ in rows)]) + 2
    width = max(len(x) for x in [*header[1:], *(v for _, vs in rows for v in vs)]) + 3

    def row(label: str, values: list[str]) -> str:
        return f"{label:<{first}}" + "".join(f"{v:>{width}}" for v in values)

    return "\n".join([row(header[0], header[1:]), *(row(label, v) for label, v in rows)])


def markdown(header: list[str], rows: list[tuple[str, list[str]]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    lines += ["| " + " | ".join([label, *values]) + " |" for label, values in rows]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({cpu or 'unknown CPU'}), Python {platform.python_version()}"


def log_summary(logs: dict[str, Counter[str]]) -> list[str]:
    lines = []
    for name, shapes in logs.items():
        lines.append(f"  {name}: {sum(shapes.values())} lines")
        lines += [f"    {n:>6} x {shape}" for shape, n in shapes.most_common(4)]
    return lines


def report(results: dict[str, Any], plan: Plan, stamp: str) -> str:
    filing: list[ConversationRun] = results["filing"]
    wait: list[ConversationRun] = results["wait"]
    recovery: Recovery = results["recovery"]
    after: Aftermath = results["aftermath"]
    filing_head = ["Filing a report, embedded backend", *(f"{r.clients} client(s)" for r in filing)]
    wait_head = [
        f"External backend, {plan.wait_clients} client(s)",
        *(r.label for r in wait),
    ]
    rec_rows = outbox_rows(recovery, after)
    rec_head = [
        f"Outbox (retry delays {RETRY_SETTINGS['DURHAM311_OUTBOX_BASE_DELAY']}"
        f"-{RETRY_SETTINGS['DURHAM311_OUTBOX_MAX_DELAY']} s)",
        f"backend down (503), {recovery.filing.clients} clients",
        f"backend hanging, {plan.wait_clients} client(s)",
    ]
    out = [
        text_table(filing_head, filing_rows(filing)),
        "",
        text_table(wait_head, wait_rows(wait)),
        "",
        text_table(rec_head, rec_rows),
        "",
        f"outbox settings: outbox_base_delay {RETRY_SETTINGS['DURHAM311_OUTBOX_BASE_DELAY']} s, "
        f"outbox_max_delay {RETRY_SETTINGS['DURHAM311_OUTBOX_MAX_DELAY']} s; delivered after "
        "recovery = rows in the backend (503) / the outbox empty (hang)",
        f"residents filing during the outage heard {said(recovery.filing)} filed / saved; "
        f"the backend's GET requests.json lists {recovery.listed} of its {recovery.held} rows",
        f"hanging = the backend files each request, the proxy holds its answer "
        f"{OPEN311_TIMEOUT + HANG_EXTRA:.0f} s, past open311_timeout {OPEN311_TIMEOUT:.0f} s; "
        f"report_wait {REPORT_WAIT} s (defaults)",
        "fault proxy answered: "
        + ", ".join(f"{k} {v}" for k, v in sorted(results["proxy"].items())),
        "service logs, WARNING and worse, by shape:",
        *log_summary(results["logs"]),
    ]
    odd = [f"  {r.label}: {x}" for r in [*filing, *wait, recovery.filing] for x in r.odd]
    if odd:
        out += ["unexpected replies:", *odd]
    out += [
        "",
        "Markdown for the README:",
        "",
        f"Service requests (`make bench-requests`), {stamp}, {machine()}.",
        "",
        markdown(filing_head, filing_rows(filing)),
        "",
        markdown(wait_head, wait_rows(wait)),
        "",
        markdown(rec_head, rec_rows),
        "",
        f"Hanging: the backend files each request but its answer is held "
        f"{OPEN311_TIMEOUT + HANG_EXTRA:.0f} s, past open311_timeout ({OPEN311_TIMEOUT:.0f} s); "
        f"report_wait {REPORT_WAIT} s. Outbox retry delays "
        f"{RETRY_SETTINGS['DURHAM311_OUTBOX_BASE_DELAY']} s to "
        f"{RETRY_SETTINGS['DURHAM311_OUTBOX_MAX_DELAY']} s (DURHAM311_OUTBOX_BASE_DELAY, "
        "DURHAM311_OUTBOX_MAX_DELAY); delivered after recovery = rows in the backend (down) or "
        "the outbox empty (hanging).",
    ]
    return "\n".join(out)


async def run(args: argparse.Namespace) -> None:
    plan = QUICK if args.quick else FULL
    if args.conversations:
        plan = Plan(args.conversations, plan.clients, plan.outbox_reports, plan.outage_clients,
                    plan.wait_conversations, plan.wait_clients)  # fmt: skip
    if not (args.model_dir / "meta.json").exists():
        raise SystemExit(f"no NLU model in {args.model_dir}: run `make model` first")
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"durham311 service-request benchmark{' (--quick)' if args.quick else ''}, {stamp}")
    print(f"machine: {machine()}")
    print(f"conversation: {' / '.join(repr(t) for t in CONVERSATION)}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="durham311-bench-requests-") as tmp:
        results = await measure(plan, args.model_dir, Path(tmp))
    print(report(results, plan, stamp))
    print(f"\n(run took {time.perf_counter() - started:.0f} s)")


def _count(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 2000:
        raise argparse.ArgumentTypeError("a count from 1 to 2000")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark filing service requests.")
    parser.add_argument("--quick", action="store_true", help="a smaller run (about a minute)")
    parser.add_argument(
        "--conversations", type=_count, help="filing conversations per client count (200, quick 40)"
    )
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR,
                        help="the trained spaCy model (default var/models/nlu)")  # fmt: skip
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
