"""Dialog state between turns, and where it is kept: memory by default, Redis in production.

State holds what the conversation needs and nothing more (a pending question,
the slots heard so far, the last answer for "repeat"), and it expires: an
address said to the skill is forgotten when the session times out.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from fulfillment.errors import SessionStoreError


@dataclass(slots=True)
class DialogState:
    pending_intent: str | None = None  # the intent whose question we are waiting on
    pending_slot: str | None = None  # the entity that question asks for
    slots: dict[str, str] = field(default_factory=dict)
    last_speech: str | None = None
    last_reprompt: str | None = None
    turns: int = 0

    def ask(self, intent: str, slot: str) -> None:
        self.pending_intent, self.pending_slot = intent, slot

    def clear_pending(self) -> None:
        self.pending_intent = self.pending_slot = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> DialogState:
        try:
            data: Any = json.loads(raw)
            return cls(**data)
        except (ValueError, TypeError):
            return cls()  # unreadable old state is dropped, never fatal


class SessionStore(Protocol):
    async def load(self, session_id: str) -> DialogState: ...

    async def save(self, session_id: str, state: DialogState) -> None: ...

    async def drop(self, session_id: str) -> None: ...

    async def close(self) -> None: ...


class InMemorySessionStore:
    """One process's sessions, each expiring `ttl_seconds` after its last turn."""

    def __init__(
        self,
        *,
        ttl_seconds: float = 600,
        max_sessions: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._max, self._clock = ttl_seconds, max_sessions, clock
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def load(self, session_id: str) -> DialogState:
        self._expire()
        entry = self._items.get(session_id)
        return DialogState.from_json(entry[1]) if entry else DialogState()

    async def save(self, session_id: str, state: DialogState) -> None:
        self._items.pop(session_id, None)
        self._items[session_id] = (self._clock() + self._ttl, state.to_json())
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    async def drop(self, session_id: str) -> None:
        self._items.pop(session_id, None)

    async def close(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        self._expire()
        return len(self._items)

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires > now:
                break
            del self._items[key]


class RedisSessionStore:
    """Sessions shared by every worker, expired by Redis itself."""

    def __init__(
        self, *, url: str, ttl_seconds: int = 600, prefix: str = "durham311:session:"
    ) -> None:
        self._redis = aioredis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._ttl, self._prefix = ttl_seconds, prefix

    async def load(self, session_id: str) -> DialogState:
        try:
            raw = await self._redis.get(self._prefix + session_id)
        except RedisError as exc:
            raise SessionStoreError(f"cannot read session state: {exc}") from exc
        return DialogState.from_json(raw) if raw else DialogState()

    async def save(self, session_id: str, state: DialogState) -> None:
        try:
            await self._redis.set(self._prefix + session_id, state.to_json(), ex=self._ttl)
        except RedisError as exc:
            raise SessionStoreError(f"cannot write session state: {exc}") from exc

    async def drop(self, session_id: str) -> None:
        try:
            await self._redis.delete(self._prefix + session_id)
        except RedisError as exc:
            raise SessionStoreError(f"cannot drop session state: {exc}") from exc

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def close(self) -> None:
        await self._redis.aclose()
