"""Real processes and a fault proxy for the end-to-end report tests.

`Serve` runs `durham311 serve` as a separate process, exactly as it is deployed; the
`FaultProxy` sits between a service and its Open311 backend, in the test's own event loop,
and fails in the ways a municipality's endpoint does (down, 500, hanging, answering too
late) while counting what it forwarded for each `Idempotency-Key`. The backend's own
requests database stays the ground truth: `backend_rows` reads it directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.conftest import ROOT, free_port

# The installed entry point, as the README runs it.
DURHAM311 = str(Path(sys.executable).parent / "durham311")
API_KEY = "testkey"
POTHOLE = "there's a pothole on simcoe street north in oshawa"
DIGIT_WORDS = "zero one two three four five six seven eight nine".split()
FAST_RETRIES = {
    "OPEN311_TIMEOUT": "1.0",
    "OUTBOX_BASE_DELAY": "0.2",
    "OUTBOX_MAX_DELAY": "1.0",
    "REPORT_WAIT": "1.5",
    "OUTBOX_LEASE": "4.0",
}


def serve_env(model_dir: Path, data: Path, **settings: str) -> dict[str, str]:
    """The environment of one `durham311 serve`: its own files under `data`, and `settings`
    given without the DURHAM311_ prefix."""
    data.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DURHAM311_")}
    env.update(
        DURHAM311_MODEL_DIR=str(model_dir),
        DURHAM311_CONTENT_DB=str(data / "content.sqlite3"),
        DURHAM311_REQUESTS_DB=str(data / "requests.sqlite3"),
        DURHAM311_OUTBOX_DB=str(data / "outbox.sqlite3"),
        DURHAM311_ALEXA_VERIFY_SIGNATURE="false",
    )
    env.update({f"DURHAM311_{name}": value for name, value in settings.items()})
    return env


@dataclass
class Serve:
    """One `durham311 serve` process; `start` again after `kill` reuses the same files."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [DURHAM311, "serve", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Until GET /health answers; a process that exits first fails with its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"durham311 serve exited {self.proc.returncode}: {self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1.0) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"durham311 serve was not healthy within {timeout:g} s: {self.tail()}")

    async def start(self) -> None:
        """Spawn and wait without blocking the event loop (the fault proxy lives in it)."""
        self.spawn()
        await asyncio.to_thread(self.wait_healthy)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no last writes; what is durable is all that survives."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


class Console:
    """A resident talking to a service's POST /console/turn."""

    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, *, storage_outage: bool = False
    ) -> None:
        """`storage_outage`: a 503 (sessions or outbox unreachable) is counted in
        `unavailable`, by its message, and heard as silence instead of failing the test."""
        self.http, self.base_url = http, base_url
        self.storage_outage = storage_outage
        self.unavailable: Counter[str] = Counter()

    async def say(self, session: str, text: str) -> str:
        async with self.http.post(
            f"{self.base_url}/console/turn", json={"text": text, "session_id": session}
        ) as resp:
            body = await resp.json()
            if self.storage_outage and resp.status == 503:
                self.unavailable[body["error"]] += 1
                return ""
            assert resp.status == 200, body
            speech = body["reply"]["speech"]
            assert isinstance(speech, str)
            return speech

    async def file_pothole(self, session: str) -> str:
        """The whole filing conversation; the final reply (filed or saved, with a reference)."""
        reply = await self.say(session, POTHOLE)
        assert "dinner plate" in reply, reply
        reply = await self.say(session, "small")
        assert "Shall I file it?" in reply, reply
        return await self.say(session, "yes")

    async def status(self, session: str, reference: str) -> str:
        return await self.say(session, f"what's the status of report {reference}")


def reference_in(reply: str) -> str:
    """The 8 digits read after "reference number is"."""
    assert "reference number is" in reply, reply
    digits = re.sub(r"\D", "", reply.split("reference number is", 1)[1])
    assert len(digits) == 8, reply
    return digits


def as_words(digits: str) -> str:
    return " ".join(DIGIT_WORDS[int(d)] for d in digits)


async def until(check: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> None:
    """Poll `check` until it holds; a deadline only turns a hang into a clear failure."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not {what} after {timeout:g} s")
        await asyncio.sleep(0.2)


# ------------------------------------------------------------------ ground truth


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)


def backend_rows(requests_db: Path) -> dict[int, str | None]:
    """Every request the backend holds: id -> the idempotency key it was created under
    (the client's key, without the backend's per-api-key scope prefix)."""
    if not requests_db.exists():
        return {}
    db = _read_only(requests_db)
    try:
        rows = db.execute("SELECT id, idempotency_key FROM open311_requests").fetchall()
    except sqlite3.OperationalError:  # the table is made on first use
        return {}
    finally:
        db.close()
    return {int(i): (k.split(":", 1)[1] if k else None) for i, k in rows}


def outbox_rows(outbox_db: Path) -> dict[str, tuple[str, str, str | None]]:
    """The service's SQLite outbox: reference -> (idempotency key, state, backend id)."""
    db = _read_only(outbox_db)
    try:
        rows = db.execute("SELECT reference, key, state, service_request_id FROM outbox")
        return {ref: (key, state, srid) for ref, key, state, srid in rows}
    finally:
        db.close()


# ------------------------------------------------------------------ the fault proxy

PASS, REFUSE_500, HANG, HANG_AFTER = "pass", "500", "hang", "hang-after-forward"


def proxy_url(port: int) -> str:
    """The Open311 base URL a service is given for a proxy on `port` (listening or not)."""
    return f"http://127.0.0.1:{port}/open311/v2/"


class FaultProxy:
    """An HTTP proxy to the backend with a switchable fault.

    pass: forward and answer. 500: answer 500 without forwarding. hang: hold the request
    without forwarding. hang-after-forward: forward (the backend creates the request), then
    hold the answer. Held requests are let go when the mode changes, with a 504, so a
    request is never answered late with the backend's receipt. `stop()` takes the listener
    away entirely (connection refused).
    """

    def __init__(self, *, upstream: str, port: int | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = port or free_port()
        self.mode = PASS
        self.forwarded: Counter[str] = Counter()  # POSTs that reached the backend, per key
        self.replayed: Counter[str] = Counter()  # ... that the backend answered as replays
        self.failed: Counter[str] = Counter()  # POSTs answered 500
        self.held: Counter[str] = Counter()  # POSTs held (hang modes), per key
        self.in_flight = 0
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return proxy_url(self.port)

    def keys_sent(self) -> set[str]:
        return set(self.forwarded) | set(self.failed) | set(self.held)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._release.set()
        self._release = asyncio.Event()

    async def start(self) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Close the listener: from now on the service's connections are refused."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.stop()
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key", "") if request.method == "POST" else None
        mode, release = self.mode, self._release
        if key is not None and mode == REFUSE_500:
            self.failed[key] += 1
            return web.Response(status=500, text="the backend fell over")
        if key is not None and mode == HANG:
            self.held[key] += 1
            return await self._hold(request, release)
        answer = await self._forward(request)
        if key is not None:
            self.forwarded[key] += 1
            if answer.headers.get("Idempotent-Replayed") == "true":
                self.replayed[key] += 1
            if mode == HANG_AFTER:
                self.held[key] += 1
                return await self._hold(request, release)
        return answer

    async def _hold(self, request: web.Request, release: asyncio.Event) -> web.Response:
        """Hold until the mode changes or the client gives up (its timeout closes the
        connection): `in_flight` is the number of sends the service is still waiting on."""
        self.in_flight += 1
        try:
            while not release.is_set():
                transport = request.transport
                if transport is None or transport.is_closing():
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(release.wait(), timeout=0.05)
        finally:
            self.in_flight -= 1
        return web.Response(status=504, text="the backend did not answer in time")

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        headers = {
            name: value
            for name, value in request.headers.items()
            if name in ("Content-Type", "Idempotency-Key", "Accept")
        }
        async with self._http.request(
            request.method,
            self.upstream + request.rel_url.path_qs,
            data=await request.read(),
            headers=headers,
        ) as upstream:
            body = await upstream.read()
            out: Mapping[str, Any] = {
                name: upstream.headers[name]
                for name in ("Content-Type", "Idempotent-Replayed")
                if name in upstream.headers
            }
            return web.Response(status=upstream.status, body=body, headers=dict(out))


# ------------------------------------------------------------------ redis


@dataclass
class RedisServer:
    """A redis-server of our own, durable as the outbox requires (AOF, fsync always), that
    can be killed and started again on the same port and directory."""

    data: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed; these tests need a real one")
        self.data.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start within {timeout:g} s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
