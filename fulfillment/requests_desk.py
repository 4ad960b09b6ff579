"""Filing and tracking service requests: the outbox in front, Open311 behind.

A confirmed report is written to the durable outbox before the resident hears
anything, then delivered from there; the resident waits at most `wait_seconds`
for a fast backend and otherwise hears our own reference at once. Status
questions accept that reference whether or not the backend has the report yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fulfillment.outbox import (
    Deliverer,
    EntryState,
    Outbox,
    OutboxEntry,
    ReferenceTaken,
    Submission,
    new_reference,
)
from open311.errors import Open311Error
from open311.types import NewRequest, Receipt, ServiceRequest, TokenStatus

log = logging.getLogger(__name__)
MAX_REFERENCE_TRIES = 5


class Gateway(Protocol):
    """One Open311 endpoint as the desk uses it: the client, or the embedded backend."""

    async def submit(self, new: NewRequest, *, idempotency_key: str | None = None) -> Receipt: ...

    async def token(self, token: str) -> TokenStatus: ...

    async def request(self, service_request_id: str) -> ServiceRequest | None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Filing:
    reference: str
    delivered: bool  # the backend has it already (else it is saved and will be sent)


@dataclass(frozen=True, slots=True)
class Status:
    """What can be said about a report: `state` is one of the names below."""

    state: str  # waiting, refused, found, unreachable, unknown
    reference: str
    entry: OutboxEntry | None = None
    request: ServiceRequest | None = None


def owner_of(platform: str, user_id: str | None) -> str | None:
    """An opaque key for "my last report": the platform's user id is never stored as is."""
    if not user_id:
        return None
    return hashlib.sha256(f"{platform}:{user_id}".encode()).hexdigest()[:32]


def gateway_sender(
    gateways: Mapping[str, Gateway],
) -> Callable[[Submission], Awaitable[Receipt]]:
    """What the deliverer calls: the submission's target endpoint, with its idempotency key."""

    async def send(submission: Submission) -> Receipt:
        gateway = gateways.get(submission.target)
        if gateway is None:  # configuration changed since it was saved: keep it, say so
            raise Open311Error(f"no endpoint configured for {submission.target}")
        return await gateway.submit(submission.request, idempotency_key=submission.key)

    return send


class RequestDesk:
    def __init__(
        self,
        *,
        outbox: Outbox,
        gateways: Mapping[str, Gateway],
        clock: Callable[[], datetime],
        wait_seconds: float = 1.5,
        deliverer: Deliverer | None = None,
    ) -> None:
        self.outbox, self.gateways, self.clock = outbox, dict(gateways), clock
        self.wait_seconds = wait_seconds
        send = gateway_sender(self.gateways)
        self.deliverer = deliverer or Deliverer(outbox=outbox, send=send, clock=clock)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Deliver in the background: what an earlier run left pending goes out now."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.deliverer.run())

    async def close(self) -> None:
        if self._task is not None:
            self.deliverer.stop()
            done, _ = await asyncio.wait({self._task}, timeout=10)
            if not done:  # a send still hanging: its lease makes it due again after restart
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        for gateway in self.gateways.values():
            await gateway.close()
        await self.outbox.close()

    async def file(
        self, request: NewRequest, *, key: str, target: str, owner: str | None
    ) -> Filing:
        """Save the confirmed report durably, then give delivery a moment.

        The same `key` twice (a repeated yes, a platform retry) is one report.
        """
        entry = await self._put(request, key=key, target=target, owner=owner)
        self.start()
        self.deliverer.kick()
        done = await self.deliverer.wait_delivered(entry.key, self.wait_seconds)
        delivered = done is not None and done.state is EntryState.DELIVERED
        log.info("report filed ref=%s delivered=%s", entry.reference, delivered)
        return Filing(entry.reference, delivered)

    async def _put(
        self, request: NewRequest, *, key: str, target: str, owner: str | None
    ) -> OutboxEntry:
        for _ in range(MAX_REFERENCE_TRIES):
            submission = Submission(key, new_reference(), owner, target, request, self.clock())
            try:
                return await self.outbox.put(submission)
            except ReferenceTaken:
                continue
        raise ReferenceTaken("no free reference after several tries")

    async def latest(self, owner: str) -> Status | None:
        entry = await self.outbox.latest_for(owner)
        return None if entry is None else await self._status_of(entry)

    async def status(self, reference: str, *, target: str) -> Status:
        """Our reference first; else the backend's own id, as a resident may read it off
        a confirmation from another channel."""
        entry = await self.outbox.by_reference(reference)
        if entry is not None:
            return await self._status_of(entry)
        gateway = self.gateways.get(target)
        if gateway is None:
            return Status("unknown", reference)
        try:
            found = await gateway.request(reference)
        except Open311Error as exc:
            log.warning("status lookup failed: %s", type(exc).__name__)
            return Status("unreachable", reference)
        return Status("found", reference, request=found) if found else Status("unknown", reference)

    async def _status_of(self, entry: OutboxEntry) -> Status:
        if entry.state is EntryState.PENDING:
            return Status("waiting", entry.reference, entry)
        if entry.state is EntryState.PARKED:
            return Status("refused", entry.reference, entry)
        gateway = self.gateways.get(entry.submission.target)
        if gateway is None:
            return Status("unreachable", entry.reference, entry)
        try:
            request_id = entry.service_request_id
            if request_id is None and entry.token:
                request_id = (await gateway.token(entry.token)).service_request_id
            if request_id is None:
                return Status("waiting", entry.reference, entry)
            found = await gateway.request(request_id)
        except Open311Error as exc:
            log.warning("status lookup failed: %s", type(exc).__name__)
            return Status("unreachable", entry.reference, entry)
        if found is None:
            return Status("unreachable", entry.reference, entry)
        return Status("found", entry.reference, entry, found)
