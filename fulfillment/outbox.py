"""The durable outbox for service-request submissions, and the deliverer that empties it.

A resident who says "yes, file it" must never hear "it is filed" for a report we
then lose. So the dialog writes the confirmed submission here first (durable on
return) and only then answers; delivery to the Open311 backend happens from the
outbox, with retries, exponential backoff with full jitter, and a lease so two
workers never send the same entry at the same time.

Exactly one backend request per confirmed submission rests on one idempotency
key per submission: a repeated "yes" puts the same key (a no-op), and every
resend, including the one after a crash between sending and recording, carries
the same key in the `Idempotency-Key` header, which the backend dedupes on.

Storage: `SqliteOutbox` here (the embedded default, safe across processes that
share the file) and `fulfillment.redis_outbox.RedisOutbox` (production; imported
only when configured).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import secrets
import sqlite3
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Protocol, TypeVar

from fulfillment.errors import OutboxError
from open311.errors import Open311ProtocolError, Open311Rejected, Open311Unavailable
from open311.types import NewRequest, Receipt

log = logging.getLogger(__name__)

_T = TypeVar("_T")
# The key travels in an HTTP header: a conservative alphabet keeps CR/LF and friends out.
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
_REFERENCE = re.compile(r"^[0-9]{8}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_ERROR_CHARS = re.compile(r"[^A-Za-z0-9_.:,-]")
MAX_ERROR = 80
RETRYABLE_STATUSES = (408, 429)  # a 4xx that means "not now" rather than "never"


class ReferenceTaken(OutboxError):
    """Another submission already holds this reference: make a new one and put again."""


def new_key() -> str:
    """A fresh idempotency key: made once per confirmed submission, kept with it."""
    return uuid.uuid4().hex


def new_reference() -> str:
    """Eight digits the resident can write down; never a leading zero, which is lost in speech."""
    return str(10_000_000 + secrets.randbelow(90_000_000))


def to_micros(moment: datetime) -> int:
    """A timezone-aware moment as integer microseconds since the epoch: exact and sortable."""
    if moment.tzinfo is None:
        raise OutboxError("outbox times must be timezone-aware")
    return (moment - _EPOCH) // _MICRO


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def clean_error(error: str) -> str:
    """An error code as stored: short and made of code characters only, so no prose (which
    might quote a resident's words) ever reaches the store or the logs."""
    return _ERROR_CHARS.sub("_", error)[:MAX_ERROR] or "error"


@dataclass(frozen=True)
class Submission:
    """A confirmed report as the resident agreed to it, and how we will find it again."""

    key: str  # the idempotency key, sent as `Idempotency-Key` on every attempt
    reference: str  # our own 8-digit number, read to the resident
    owner: str | None  # an opaque hashed platform-user id, for "my last report"
    target: str  # which endpoint delivers it: "embedded" or an agency id
    request: NewRequest
    created_at: datetime

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise OutboxError("an idempotency key is 8 to 128 letters, digits or _.:-")
        if not _REFERENCE.match(self.reference):
            raise OutboxError("a reference is exactly 8 digits")
        if not self.target:
            raise OutboxError("a submission needs a target")
        if self.created_at.tzinfo is None:
            raise OutboxError("created_at must be timezone-aware")

    @classmethod
    def new(
        cls, *, request: NewRequest, target: str, owner: str | None, now: datetime
    ) -> Submission:
        """A submission with a fresh key and reference (see `ReferenceTaken` for a clash)."""
        return cls(new_key(), new_reference(), owner, target, request, now)

    def to_json(self) -> str:
        data = {
            "key": self.key,
            "reference": self.reference,
            "owner": self.owner,
            "target": self.target,
            "request": asdict(self.request),
            "created_at": self.created_at.isoformat(),
        }
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Submission:
        """The inverse of `to_json`; a stored row that does not read back is an OutboxError."""
        try:
            data: Any = json.loads(raw)
            request = dict(data["request"])
            attrs = request.pop("attributes", None) or {}
            known = {f.name for f in fields(NewRequest)} - {"attributes"}
            unknown = set(request) - known
            if unknown:
                raise ValueError(f"unknown request fields {sorted(unknown)}")
            new_request = NewRequest(
                **request, attributes={str(k): tuple(str(v) for v in vs) for k, vs in attrs.items()}
            )
            return cls(
                key=data["key"],
                reference=data["reference"],
                owner=data["owner"],
                target=data["target"],
                request=new_request,
                created_at=datetime.fromisoformat(data["created_at"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise OutboxError(f"a stored submission does not read back: {exc}") from exc


class EntryState(Enum):
    PENDING = "pending"  # waiting to be (re)sent
    DELIVERED = "delivered"  # the backend has it: an id, or a token to poll
    PARKED = "parked"  # the backend refused it for good; reported, never retried


@dataclass(frozen=True)
class OutboxEntry:
    """A submission and where its delivery stands. `attempts` counts sends started (a claim),
    so an attempt cut short by a crash still counts toward the backoff."""

    submission: Submission
    state: EntryState
    attempts: int
    next_attempt_at: datetime | None  # while pending: when it is due (or its lease ends)
    last_error: str | None  # a short code ("http_503", "timeout"), never personal data
    service_request_id: str | None = None
    token: str | None = None
    delivered_at: datetime | None = None
    parked_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.submission.key

    @property
    def reference(self) -> str:
        return self.submission.reference


class Outbox(Protocol):
    """Where confirmed submissions wait for the backend. Every write is durable on return."""

    async def put(self, sub: Submission) -> OutboxEntry:
        """Store `sub` as pending. The same key again returns the first entry and changes
        nothing; the same reference under another key raises `ReferenceTaken`."""
        ...

    async def by_reference(self, reference: str) -> OutboxEntry | None: ...

    async def by_key(self, key: str) -> OutboxEntry | None: ...

    async def latest_for(self, owner: str) -> OutboxEntry | None:
        """The owner's most recently put submission, for "what happened to my report"."""
        ...

    async def claim_due(
        self, now: datetime, *, limit: int, lease_seconds: float
    ) -> list[OutboxEntry]:
        """Atomically lease up to `limit` pending entries due at `now`: each is due again only
        when the lease ends, so a crashed worker's entries come back by themselves."""
        ...

    async def delivered(
        self, key: str, *, service_request_id: str | None, token: str | None, now: datetime
    ) -> OutboxEntry:
        """Record success. Final: a later retry_later or park of the same key changes nothing."""
        ...

    async def retry_later(self, key: str, *, error: str, at: datetime) -> OutboxEntry:
        """Make a pending entry due again at `at` (ignored once delivered or parked)."""
        ...

    async def park(self, key: str, *, error: str, now: datetime) -> OutboxEntry:
        """Stop retrying a pending entry the backend refused (ignored once delivered)."""
        ...

    async def parked(self) -> list[OutboxEntry]: ...

    async def pending_count(self) -> int: ...

    async def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    reference TEXT NOT NULL UNIQUE,
    owner TEXT,
    submission TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due INTEGER,
    last_error TEXT,
    service_request_id TEXT,
    token TEXT,
    delivered_at INTEGER,
    parked_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, due);
CREATE INDEX IF NOT EXISTS outbox_owner ON outbox (owner, seq);
"""
_COLUMNS = (
    "submission, state, attempts, due, last_error, service_request_id, token, "
    "delivered_at, parked_at"
)


def _opt_time(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(int(micros))


def _row_entry(row: Sequence[Any]) -> OutboxEntry:
    sub, state, attempts, due, error, srid, token, delivered_at, parked_at = row
    return OutboxEntry(
        submission=Submission.from_json(sub),
        state=EntryState(state),
        attempts=int(attempts),
        next_attempt_at=_opt_time(due),
        last_error=error,
        service_request_id=srid,
        token=token,
        delivered_at=_opt_time(delivered_at),
        parked_at=_opt_time(parked_at),
    )


class SqliteOutbox:
    """The outbox in one SQLite file: WAL, synchronous=FULL (a commit is on disk when `put`
    returns), BEGIN IMMEDIATE for every write so processes sharing the file take turns.

    sqlite3 blocks, so all work runs on one private thread; the event loop never waits on disk.
    """

    def __init__(self, *, path: str | Path, busy_timeout_ms: int = 10_000) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-sqlite")
        self._closed = False
        try:
            self._db = self._pool.submit(self._open, str(path), busy_timeout_ms).result()
        except (sqlite3.Error, OSError) as exc:
            self._pool.shutdown(wait=False)
            raise OutboxError(f"cannot open the outbox database: {exc}") from exc

    @staticmethod
    def _open(path: str, busy_timeout_ms: int) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE.
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        # executescript commits any open transaction first, so the script brings its own.
        db.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nCOMMIT;")
        return db

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, work, self._db)
        except sqlite3.Error as exc:
            raise OutboxError(f"outbox database error: {exc}") from exc

    async def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `work` in one IMMEDIATE transaction: all of it is committed, or none."""

        def transaction(db: sqlite3.Connection) -> _T:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = work(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return result

        return await self._run(transaction)

    async def put(self, sub: Submission) -> OutboxEntry:
        def work(db: sqlite3.Connection) -> OutboxEntry:
            row = db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", (sub.key,)).fetchone()
            if row is not None:
                return _row_entry(row)
            taken = db.execute(
                "SELECT 1 FROM outbox WHERE reference = ?", (sub.reference,)
            ).fetchone()
            if taken is not None:
                raise ReferenceTaken(f"reference {sub.reference} is already in use")
            db.execute(
                "INSERT INTO outbox (key, reference, owner, submission, state, due) "
                "VALUES (?, ?, ?, ?, 'pending', ?)",
                (sub.key, sub.reference, sub.owner, sub.to_json(), to_micros(sub.created_at)),
            )
            return OutboxEntry(sub, EntryState.PENDING, 0, sub.created_at, None)

        return await self._write(work)

    async def _one(self, where: str, arg: str) -> OutboxEntry | None:
        def work(db: sqlite3.Connection) -> OutboxEntry | None:
            row = db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE {where}", (arg,)).fetchone()
            return None if row is None else _row_entry(row)

        return await self._run(work)

    async def by_reference(self, reference: str) -> OutboxEntry | None:
        return await self._one("reference = ?", reference)

    async def by_key(self, key: str) -> OutboxEntry | None:
        return await self._one("key = ?", key)

    async def latest_for(self, owner: str) -> OutboxEntry | None:
        return await self._one("owner = ? ORDER BY seq DESC LIMIT 1", owner)

    async def claim_due(
        self, now: datetime, *, limit: int, lease_seconds: float
    ) -> list[OutboxEntry]:
        now_us = to_micros(now)
        until_us = to_micros(now + timedelta(seconds=lease_seconds))

        def work(db: sqlite3.Connection) -> list[OutboxEntry]:
            keys = [
                k
                for (k,) in db.execute(
                    "SELECT key FROM outbox WHERE state = 'pending' AND due <= ? "
                    "ORDER BY due, seq LIMIT ?",
                    (now_us, limit),
                )
            ]
            claimed = []
            for key in keys:
                row = db.execute(
                    f"UPDATE outbox SET due = ?, attempts = attempts + 1 WHERE key = ? "
                    f"RETURNING {_COLUMNS}",
                    (until_us, key),
                ).fetchone()
                claimed.append(_row_entry(row))
            return claimed

        return await self._write(work)

    async def _update(
        self, key: str, sql: str, args: tuple[object, ...], *, if_state: tuple[str, ...]
    ) -> OutboxEntry:
        """Apply `sql` to `key` when its state is one of `if_state`; the entry as it ends up."""
        marks = ", ".join("?" * len(if_state))

        def work(db: sqlite3.Connection) -> OutboxEntry:
            db.execute(f"{sql} WHERE key = ? AND state IN ({marks})", (*args, key, *if_state))
            row = db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise OutboxError(f"no outbox entry with key {key[:8]}…")
            return _row_entry(row)

        return await self._write(work)

    async def delivered(
        self, key: str, *, service_request_id: str | None, token: str | None, now: datetime
    ) -> OutboxEntry:
        sql = (
            "UPDATE outbox SET state = 'delivered', due = NULL, service_request_id = ?, "
            "token = ?, delivered_at = ?, last_error = NULL"
        )
        args = (service_request_id, token, to_micros(now))
        return await self._update(key, sql, args, if_state=("pending", "parked"))

    async def retry_later(self, key: str, *, error: str, at: datetime) -> OutboxEntry:
        sql = "UPDATE outbox SET due = ?, last_error = ?"
        args = (to_micros(at), clean_error(error))
        return await self._update(key, sql, args, if_state=("pending",))

    async def park(self, key: str, *, error: str, now: datetime) -> OutboxEntry:
        sql = "UPDATE outbox SET state = 'parked', due = NULL, last_error = ?, parked_at = ?"
        args = (clean_error(error), to_micros(now))
        return await self._update(key, sql, args, if_state=("pending",))

    async def parked(self) -> list[OutboxEntry]:
        def work(db: sqlite3.Connection) -> list[OutboxEntry]:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state = 'parked' ORDER BY parked_at, seq"
            )
            return [_row_entry(row) for row in rows]

        return await self._run(work)

    async def pending_count(self) -> int:
        def work(db: sqlite3.Connection) -> int:
            (count,) = db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()
            return int(count)

        return await self._run(work)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._run(lambda db: db.close())
        finally:
            self._pool.shutdown(wait=True)


@dataclass(frozen=True)
class DeliveryCounts:
    """What one pass of the deliverer did, for logs and tests."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    parked: int = 0
    unrecorded: int = 0  # sent, but the outcome could not be written (the lease will resend)


class Deliverer:
    """Sends due outbox entries through `send` and records each outcome.

    `send` must put `submission.key` in the `Idempotency-Key` header and should time out
    well within `lease_seconds` (the deliverer also cuts a send off at the lease, so an entry
    is never in flight here while another worker may have claimed it again).
    """

    def __init__(
        self,
        *,
        outbox: Outbox,
        send: Callable[[Submission], Awaitable[Receipt]],
        clock: Callable[[], datetime],
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        max_attempts: int | None = None,
        rng: random.Random | None = None,
        lease_seconds: float = 30.0,
        batch: int = 20,
        idle_poll: float = 0.5,
    ) -> None:
        if base_delay < 0 or max_delay < 0 or lease_seconds <= 0 or batch < 1 or idle_poll <= 0:
            raise ValueError("delays must be >= 0, lease_seconds, batch and idle_poll > 0")
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (or None for no limit)")
        self._outbox, self._send, self._clock = outbox, send, clock
        self._base, self._cap, self._max_attempts = base_delay, max_delay, max_attempts
        self._rng = rng or random.Random()
        self._lease, self._batch, self._idle = lease_seconds, batch, idle_poll
        self._wake = asyncio.Event()
        self._recorded = asyncio.Event()
        self._stopping = False

    def backoff(self, attempts: int) -> float:
        """Seconds until the next try after `attempts` failed: full jitter over an exponential
        ceiling, so many workers retrying after one outage do not come back in step."""
        ceiling = min(self._cap, self._base * 2.0 ** min(attempts - 1, 60))
        return self._rng.uniform(0.0, ceiling)

    async def run_once(self) -> DeliveryCounts:
        """Claim what is due, send it all at once, record each outcome."""
        entries = await self._outbox.claim_due(
            self._clock(), limit=self._batch, lease_seconds=self._lease
        )
        if not entries:
            return DeliveryCounts()
        outcomes = await asyncio.gather(*(self._deliver(entry) for entry in entries))
        self._recorded.set()
        self._recorded = asyncio.Event()
        return DeliveryCounts(
            claimed=len(entries),
            delivered=outcomes.count("delivered"),
            retried=outcomes.count("retried"),
            parked=outcomes.count("parked"),
            unrecorded=outcomes.count("unrecorded"),
        )

    async def _deliver(self, entry: OutboxEntry) -> str:
        sub = entry.submission
        tag = f"key={sub.key[:8]} ref={sub.reference} attempt={entry.attempts}"
        try:
            async with asyncio.timeout(self._lease):
                receipt = await self._send(sub)
        except Open311Rejected as exc:
            codes = ",".join(e.code for e in exc.errors[:3])
            error = f"http_{exc.status}" + (f":{codes}" if codes else "")
            if exc.status in RETRYABLE_STATUSES:
                return await self._retry(entry, error, tag)
            return await self._record(self._park(entry, error), tag, f"parked error={error}")
        except Open311Unavailable:
            return await self._retry(entry, "unavailable", tag)
        except Open311ProtocolError:
            return await self._retry(entry, "protocol", tag)
        except TimeoutError:
            return await self._retry(entry, "timeout", tag)
        except Exception as exc:  # a bug or an odd failure: keep the entry, try again later
            return await self._retry(entry, f"error:{type(exc).__name__}", tag)
        if not (receipt.service_request_id or receipt.token):
            return await self._retry(entry, "empty_receipt", tag)
        done = self._outbox.delivered(
            sub.key,
            service_request_id=receipt.service_request_id,
            token=receipt.token,
            now=self._clock(),
        )
        return await self._record(done, tag, "delivered")

    async def _retry(self, entry: OutboxEntry, error: str, tag: str) -> str:
        if self._max_attempts is not None and entry.attempts >= self._max_attempts:
            gave_up = f"gave_up:{error}"
            return await self._record(self._park(entry, gave_up), tag, f"parked error={gave_up}")
        if entry.attempts == 1 or entry.attempts % 10 == 0:  # an outage warns, not floods
            log.warning("outbox %s delivery failing (%s); retrying with back-off", tag, error)
        at = self._clock() + timedelta(seconds=self.backoff(entry.attempts))
        later = self._outbox.retry_later(entry.submission.key, error=error, at=at)
        return await self._record(later, tag, f"retried error={error}")

    def _park(self, entry: OutboxEntry, error: str) -> Awaitable[OutboxEntry]:
        return self._outbox.park(entry.submission.key, error=error, now=self._clock())

    async def _record(self, write: Awaitable[OutboxEntry], tag: str, outcome: str) -> str:
        try:
            await write
        except OutboxError as exc:
            # The lease runs out and the entry is sent again, with the same key.
            log.warning(
                "outbox %s sent but not recorded (%s): %s", tag, outcome, type(exc).__name__
            )
            return "unrecorded"
        log.log(
            logging.WARNING if outcome.startswith("parked") else logging.INFO,
            "outbox %s %s",
            tag,
            outcome,
        )
        return outcome.split(" ", 1)[0]

    def kick(self) -> None:
        """Wake the loop now (after a put) instead of at the next idle poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until `stop()`. Storage outages are logged and waited out, never fatal.

        Each entry is sent in its own task, so one slow backend answer never holds up the
        entries claimed after it; at most `batch` are in flight at once.
        """
        self._stopping = False
        inflight: set[asyncio.Task[str]] = set()
        while not self._stopping:
            self._wake.clear()
            room = self._batch - len(inflight)
            entries: list[OutboxEntry] = []
            if room > 0:
                try:
                    entries = await self._outbox.claim_due(
                        self._clock(), limit=room, lease_seconds=self._lease
                    )
                except OutboxError as exc:
                    log.warning("outbox unavailable, retrying in %.1fs: %s", self._idle, exc)
            for entry in entries:
                task = asyncio.get_running_loop().create_task(self._deliver_one(entry))
                inflight.add(task)
                task.add_done_callback(inflight.discard)
            if len(entries) == room and room > 0 and not self._stopping:
                continue  # more may be due right now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._idle)
        if inflight:  # let sends in flight record their outcome (the lease covers the rest)
            await asyncio.wait(inflight, timeout=self._lease)

    async def _deliver_one(self, entry: OutboxEntry) -> str:
        try:
            return await self._deliver(entry)
        except Exception:
            log.exception("outbox delivery failed")
            return "unrecorded"
        finally:
            self._recorded.set()
            self._recorded = asyncio.Event()
            self._wake.set()  # room for another entry

    async def wait_delivered(self, key: str, timeout: float) -> OutboxEntry | None:
        """Wait up to `timeout` seconds for `key` to leave the pending state, so the dialog can
        say "filed as number N" when the backend is fast. The entry once delivered or parked;
        None while it is still pending (or unknown) when the time is up."""
        self.kick()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            entry = await self._outbox.by_key(key)
            if entry is not None and entry.state is not EntryState.PENDING:
                return entry
            left = deadline - loop.time()
            if left <= 0:
                return None
            # Woken by our own recordings; the short poll catches other workers' deliveries.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._recorded.wait(), timeout=min(left, 0.1))
