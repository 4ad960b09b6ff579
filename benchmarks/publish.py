"""Publish to heard: how long after a publish through the content store a worker answers from it.

    make bench-lookups                       (runs this after the lookups benchmark)
    .venv/bin/python -m benchmarks.publish [--quick] [--publishes 10]

Two `durham311 serve` workers share one content store, in two setups measured one after
the other in one run and printed side by side:

(a) one SQLite content file: the workers notice a publish only by polling the store's
    published version (every second);
(b) PostgreSQL (a database created here with a random name and dropped afterwards) and
    Redis (a redis-server of our own on a free port): the publisher announces the version
    on the "durham311:content" channel after saving, as the editor does, and the workers
    reload on the announcement.

Neither worker publishes: this process saves each new revision through the store
(`open_content_store(...).save(..., publish=True)`), as the editor or `publish_file` would,
alternating the pizza box's disposal between garbage and the green bin, with a tip that
names the publish so a reply can only come from that revision. The clock starts when the
save has committed; then each worker is asked "where does a pizza box go" through POST
/console/turn every 20 ms until its reply carries the new tip. A publish's figure is the
later of the two workers (when every worker answers from it); the earlier is shown too.

Publishes are spaced by a pause drawn with a fixed seed (0.2 to 1.2 s), so they do not all
land at the same point of the workers' one-second polling. Requirement: every worker
answers from a publish within 5 s. Figures only: nothing here passes or fails, though a
publish not heard within the deadline is counted and shown. Every loop is bounded in count
and by a deadline; every process and the database are gone before the command returns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import redis.asyncio as aioredis

from benchmarks.requests import (
    MODEL_DIR,
    Service,
    free_port,
    launch,
    machine,
    percentile,
    services,
    until_healthy,
)
from knowledge_base import SAMPLE_CONTENT
from knowledge_base.store import RevisionStore, load_document, open_content_store
from skill.content_watch import CHANNEL, announce

PIZZA = "where does a pizza box go"
REQUIREMENT = 5.0  # seconds from publish to every worker answering from it (issue 10)
POLL_EVERY = 0.02  # between one worker's asks
HEARD_DEADLINE = 15.0  # per publish, per worker: past it the publish counts as not heard
MAX_ASKS = 2000  # per publish, per worker; with the deadline, bounds the asking
PAUSE = (0.2, 1.2)  # seconds between publishes, drawn with SEED
SEED = 311
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
SAID = {"green_bin": "green bin", "garbage": "garbage"}
FULL_PUBLISHES, QUICK_PUBLISHES = 10, 3
READY_DEADLINE = 20.0  # for the workers' first answers and their Redis subscriptions
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass(frozen=True, slots=True)
class Setup:
    """One way of sharing the content store between the two workers."""

    label: str
    env: dict[str, str]  # the workers' extra settings
    database_url: str | None
    sqlite_path: Path
    redis_url: str | None


@dataclass(slots=True)
class Figures:
    """What one setup measured: per publish, seconds until the later and earlier worker."""

    label: str
    both_s: list[float] = field(default_factory=list)
    first_s: list[float] = field(default_factory=list)
    not_heard: int = 0  # publishes some worker had not answered from within the deadline
    ask_ms: list[float] = field(default_factory=list)  # one ask's round trip: the resolution
    subscribers: int | None = None  # on the Redis channel when measuring started
    logs: Counter[str] = field(default_factory=Counter)


# ------------------------------------------------------------------ the content published


def variant(base: dict[str, Any], number: int) -> tuple[dict[str, Any], str, str]:
    """The sample with the pizza box's disposal flipped for publish `number` (garbage on odd
    numbers, the green bin on even ones) and a tip naming it; the document, the tip, and
    the words a reply from it says."""
    document = {**base, "waste_items": [dict(item) for item in base["waste_items"]]}
    item = next(i for i in document["waste_items"] if i["id"] == "pizza-box")
    disposal = "garbage" if number % 2 else "green_bin"
    tip = f"Benchmark publish {number:03d}."
    item.update(disposal=disposal, tip=tip)
    return document, tip, SAID[disposal]


def from_revision(speech: str, tip: str, said: str) -> bool:
    return tip in speech and said in speech


# ------------------------------------------------------------------ asking the workers


async def ask(session: aiohttp.ClientSession, url: str) -> tuple[str, float]:
    """One "where does a pizza box go" turn in a fresh conversation; the speech, and ms."""
    started = time.perf_counter()
    payload = {"text": PIZZA, "session_id": f"bench-{uuid.uuid4().hex}"}
    async with session.post(f"{url}/console/turn", json=payload) as resp:
        body = await resp.json(content_type=None)
    ms = (time.perf_counter() - started) * 1000
    return str(body.get("reply", {}).get("speech", "")) if isinstance(body, dict) else "", ms


async def heard_after(
    session: aiohttp.ClientSession, worker: Service, tip: str, said: str, since: float,
    figures: Figures,
) -> float | None:  # fmt: skip
    """Seconds from `since` until the worker's reply comes from the revision (the moment the
    reply arrived); None if not within the deadline."""
    for _ in range(MAX_ASKS):
        if time.monotonic() - since > HEARD_DEADLINE:
            break
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
            speech, ms = await ask(session, worker.url)
            figures.ask_ms.append(ms)
            if from_revision(speech, tip, said):
                return time.monotonic() - since
        await asyncio.sleep(POLL_EVERY)
    return None


async def until_ready(
    session: aiohttp.ClientSession, workers: list[Service], setup: Setup, figures: Figures
) -> None:
    """Both workers answer from the sample, and with Redis both listen on the channel."""
    deadline = time.monotonic() + READY_DEADLINE
    for worker in workers:
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                if SAID["green_bin"] in (await ask(session, worker.url))[0]:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{worker.name}: no answer from the sample\n{worker.log_tail()}")
            await asyncio.sleep(0.2)
    if setup.redis_url is None:
        return
    client = aioredis.Redis.from_url(setup.redis_url, socket_connect_timeout=2.0)
    try:
        while True:
            counts = await client.pubsub_numsub(CHANNEL)
            figures.subscribers = int(counts[0][1]) if counts else 0
            if figures.subscribers >= len(workers) or time.monotonic() > deadline:
                return
            await asyncio.sleep(0.1)
    finally:
        await client.aclose()


async def measure_setup(setup: Setup, workdir: Path, publishes: int) -> Figures:
    """Start two workers on the setup's store, publish `publishes` times, time each."""
    figures = Figures(setup.label)
    rng = random.Random(SEED)
    base: dict[str, Any] = load_document(SAMPLE_CONTENT)
    with services() as started:
        for name in ("a", "b"):
            key = f"{setup.label.split()[0].lower()}-{name}"
            started[key] = launch(key, workdir, MODEL_DIR, setup.env)
        workers = list(started.values())
        store = open_content_store(database_url=setup.database_url,
                                   sqlite_path=setup.sqlite_path)  # fmt: skip
        try:
            async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
                for worker in workers:
                    await until_healthy(worker, session)
                await until_ready(session, workers, setup, figures)
                for number in range(1, publishes + 1):
                    await asyncio.sleep(rng.uniform(*PAUSE))
                    await publish_once(session, store, workers, setup, base, number, figures)
        finally:
            store.close()
        for worker in workers:
            figures.logs.update(worker.log_lines())
    return figures


async def publish_once(
    session: aiohttp.ClientSession, store: RevisionStore, workers: list[Service], setup: Setup,
    base: dict[str, Any], number: int, figures: Figures,
) -> None:  # fmt: skip
    """Save (and announce) one revision, then wait for both workers to answer from it."""
    document, tip, said = variant(base, number)
    version = await asyncio.to_thread(
        store.save, document, author="publish benchmark", note=f"publish {number}", publish=True
    )
    since = time.monotonic()  # committed: from here on any worker may load it
    if setup.redis_url is not None:
        await announce(setup.redis_url, version)
    heard = await asyncio.gather(
        *(heard_after(session, w, tip, said, since, figures) for w in workers)
    )
    if any(seconds is None for seconds in heard):
        figures.not_heard += 1
        progress(f"{setup.label}: publish {number} (revision {version}) not heard by every worker")
        return
    times = [s for s in heard if s is not None]
    figures.both_s.append(max(times))
    figures.first_s.append(min(times))
    progress(f"{setup.label}: publish {number} (revision {version}) heard in {max(times):.2f} s")


# ------------------------------------------------------------------ PostgreSQL and Redis


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL, dropped on the way out."""
    name = f"durham311_bench_publish_{secrets.token_hex(6)}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A redis-server of our own on a free port (never the shared 6379), stopped after."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed; setup (b) needs it")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start within 10 s") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


async def measure(workdir: Path, publishes: int) -> list[Figures]:
    shared = workdir / "shared-content.sqlite3"
    sqlite = Setup("SQLite (polling)", {"DURHAM311_CONTENT_DB": str(shared)}, None, shared, None)
    results = [await measure_setup(sqlite, workdir, publishes)]
    with postgres_database() as database_url, redis_server() as redis_url:
        env = {"DURHAM311_DATABASE_URL": database_url, "DURHAM311_REDIS_URL": redis_url}
        postgres = Setup("PostgreSQL + Redis (announce)", env, database_url,
                         workdir / "unused.sqlite3", redis_url)  # fmt: skip
        results.append(await measure_setup(postgres, workdir, publishes))
    return results


# ------------------------------------------------------------------ the report


def progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


def secs(values: list[float], p: float) -> str:
    value = percentile(values, p)
    return "-" if value != value else f"{value:.2f} s"


def report(results: list[Figures], publishes: int) -> str:
    header = ["", *(f.label for f in results)]
    rows: list[tuple[str, list[str]]] = [
        ("publishes heard by both", [f"{len(f.both_s)} of {publishes}" for f in results]),
        ("both workers: p50", [secs(f.both_s, 50) for f in results]),
        ("both workers: p90", [secs(f.both_s, 90) for f in results]),
        ("both workers: max", [secs(f.both_s, 100) for f in results]),
        ("first worker: p50", [secs(f.first_s, 50) for f in results]),
        (f"within {REQUIREMENT:g} s (every publish)", [within(f, publishes) for f in results]),
        ("one ask, p50 (resolution)", [ms(f.ask_ms) for f in results]),
        ("Redis subscribers", [subscribers(f) for f in results]),
    ]
    widths = [max(len(r[0]) for r in rows)] + [max(len(h), 14) for h in header[1:]]
    lines = []
    for cells in [header, *([label, *values] for label, values in rows)]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    for figures in results:
        for shape, count in figures.logs.most_common(5):
            lines.append(f"worker log ({figures.label}): {count} x {shape}")
    return "\n".join(lines)


def subscribers(figures: Figures) -> str:
    return "-" if figures.subscribers is None else str(figures.subscribers)


def within(figures: Figures, publishes: int) -> str:
    ok = sum(s <= REQUIREMENT for s in figures.both_s)
    return f"{'yes' if ok == publishes else 'NO'} ({ok}/{publishes})"


def ms(values: list[float]) -> str:
    value = percentile(values, 50)
    return "-" if value != value else f"{value:.0f} ms"


async def run(publishes: int, quick: bool) -> None:
    if not (MODEL_DIR / "meta.json").exists():
        raise SystemExit(f"no NLU model in {MODEL_DIR}: run `make model` first")
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"\ndurham311 publish-to-heard benchmark{' (--quick)' if quick else ''}, {stamp}")
    print(f"machine: {machine()}")
    print(f"two `durham311 serve` workers per setup; {publishes} publishes from this process;"
          f" each worker asked {PIZZA!r} every {POLL_EVERY * 1000:.0f} ms")  # fmt: skip
    print(f"requirement: every worker answers from a publish within {REQUIREMENT:g} s")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="durham311-bench-publish-") as tmp:
        results = await measure(Path(tmp), publishes)
    print(report(results, publishes))
    print(f"(run took {time.perf_counter() - started:.0f} s)")


def _publishes(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError("a count from 1 to 100")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark publish to heard by every worker.")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PUBLISHES} publishes")
    counts = f"{FULL_PUBLISHES}, quick {QUICK_PUBLISHES}"
    parser.add_argument("--publishes", type=_publishes, help=f"publishes per setup ({counts})")
    # `make bench-lookups` hands both benchmarks the same BENCH_ARGS: the lookups' own
    # options (--streets, --samples, ...) are not this benchmark's business.
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"(publish benchmark: ignoring {' '.join(ignored)})", file=sys.stderr)
    publishes = args.publishes or (QUICK_PUBLISHES if args.quick else FULL_PUBLISHES)
    asyncio.run(run(publishes, args.quick))


if __name__ == "__main__":
    main()
