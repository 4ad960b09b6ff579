"""Sessions in Redis, shared by every worker: imported only when a Redis URL is configured,
so the embedded setup does not carry the client (6 MB of resident memory).
"""

from __future__ import annotations

import redis.asyncio as aioredis
import redis.exceptions
from redis.exceptions import RedisError

from fulfillment.errors import SessionStoreError
from fulfillment.sessions import DialogState


class RedisSessionStore:
    """Sessions shared by every worker, expired by Redis itself."""

    def __init__(
        self, *, url: str, ttl_seconds: int = 600, prefix: str = "durham311:session:"
    ) -> None:
        # A pooled connection is dead after a Redis restart: one retry on a fresh one.
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=2.0, socket_connect_timeout=2.0,
            retry_on_error=[redis.exceptions.ConnectionError],
        )  # fmt: skip
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
