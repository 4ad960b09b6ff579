"""The outbox in Redis, shared by every worker on every machine: imported only when a Redis
URL is configured.

Layout, all under one prefix (a hash tag keeps every key in one slot; the claim script
still names entry keys it finds in the sorted set, so this wants one primary, with
replicas or Sentinel for failover, not a sharded Redis Cluster):
`entry:<key>` is a hash per submission; `due` a sorted set of pending keys by due time in
microseconds (a claim moves a key to the end of its lease); `parked` a sorted set of parked
keys; `ref` maps reference -> key and `owner` maps owner -> latest key. Every change is one
Lua script, which Redis runs atomically and writes to its AOF as one transaction, so nothing
is ever half-written and two workers never claim the same entry.

Durability is Redis's: production must run with `appendonly yes` and `appendfsync always`,
under which `put` returns only after the write is fsynced. With `appendfsync everysec` up to
about one second of accepted submissions can be lost in a power cut or a kernel crash
(a Redis process crash alone loses nothing). Without AOF this is not a durable outbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import redis.asyncio as aioredis
import redis.exceptions
from redis.exceptions import RedisError

from fulfillment.errors import OutboxError
from fulfillment.outbox import (
    EntryState,
    OutboxEntry,
    ReferenceTaken,
    Submission,
    clean_error,
    from_micros,
    to_micros,
)

_T = TypeVar("_T")

# KEYS: entry, due, ref, owner. ARGV: key, reference, owner ('' for none), json, due.
# Returns 1 when new, 0 when the key was already there, or the other key holding the reference.
_PUT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local other = redis.call('HGET', KEYS[3], ARGV[2])
if other and other ~= ARGV[1] then return other end
redis.call('HSET', KEYS[1], 'sub', ARGV[4], 'state', 'pending', 'attempts', 0, 'due', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[4], ARGV[3], ARGV[1]) end
return 1
"""
# KEYS: due. ARGV: entry prefix, now, limit, lease end. Returns each claimed entry's HGETALL.
_CLAIM = """
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, k in ipairs(keys) do
  local h = ARGV[1] .. k
  redis.call('ZADD', KEYS[1], ARGV[4], k)
  redis.call('HINCRBY', h, 'attempts', 1)
  redis.call('HSET', h, 'due', ARGV[4])
  out[#out + 1] = redis.call('HGETALL', h)
end
return out
"""
# KEYS: entry, due, parked. ARGV: key, srid, token, now. Final unless already delivered.
_DELIVERED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('HGET', KEYS[1], 'state') ~= 'delivered' then
  redis.call('HSET', KEYS[1], 'state', 'delivered', 'srid', ARGV[2], 'token', ARGV[3],
             'delivered_at', ARGV[4])
  redis.call('HDEL', KEYS[1], 'due', 'last_error')
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return redis.call('HGETALL', KEYS[1])
"""
# KEYS: entry, due. ARGV: key, at, error. Only while pending.
_RETRY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('HGET', KEYS[1], 'state') == 'pending' then
  redis.call('HSET', KEYS[1], 'due', ARGV[2], 'last_error', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
return redis.call('HGETALL', KEYS[1])
"""
# KEYS: entry, due, parked. ARGV: key, now, error. Only while pending.
_PARK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('HGET', KEYS[1], 'state') == 'pending' then
  redis.call('HSET', KEYS[1], 'state', 'parked', 'last_error', ARGV[3], 'parked_at', ARGV[2])
  redis.call('HDEL', KEYS[1], 'due')
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
end
return redis.call('HGETALL', KEYS[1])
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry(fields: dict[str, str]) -> OutboxEntry:
    def when(name: str) -> datetime | None:
        raw = fields.get(name)
        return from_micros(int(raw)) if raw else None

    return OutboxEntry(
        submission=Submission.from_json(fields["sub"]),
        state=EntryState(fields["state"]),
        attempts=int(fields.get("attempts", "0")),
        next_attempt_at=when("due"),
        last_error=fields.get("last_error") or None,
        service_request_id=fields.get("srid") or None,
        token=fields.get("token") or None,
        delivered_at=when("delivered_at"),
        parked_at=when("parked_at"),
    )


def _pairs(flat: list[Any]) -> dict[str, str]:
    """A Lua HGETALL reply (a flat list) as a dict of text."""
    items = [_text(v) for v in flat]
    return dict(zip(items[::2], items[1::2], strict=True))


def _decoded(raw: dict[Any, Any]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in raw.items()}


class RedisOutbox:
    """The outbox every worker shares (see the module docstring for durability settings)."""

    def __init__(
        self,
        *,
        url: str,
        prefix: str = "durham311:{outbox}:",
        socket_timeout: float = 5.0,
    ) -> None:
        # A pooled connection is dead after a Redis restart: one retry on a fresh one. Safe:
        # every script is idempotent (a repeated claim only renews the lease).
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout,
            retry_on_error=[redis.exceptions.ConnectionError],
        )  # fmt: skip
        self._p = prefix
        self._due, self._parked = prefix + "due", prefix + "parked"
        self._ref, self._owner = prefix + "ref", prefix + "owner"
        self._put = self._redis.register_script(_PUT)
        self._claim = self._redis.register_script(_CLAIM)
        self._delivered = self._redis.register_script(_DELIVERED)
        self._retry = self._redis.register_script(_RETRY)
        self._park = self._redis.register_script(_PARK)

    def _entry_key(self, key: str) -> str:
        return f"{self._p}entry:{key}"

    async def _call(self, what: str, work: Callable[[], Awaitable[_T]]) -> _T:
        try:
            return await work()
        except RedisError as exc:
            raise OutboxError(f"cannot {what} the Redis outbox: {exc}") from exc

    async def put(self, sub: Submission) -> OutboxEntry:
        keys = [self._entry_key(sub.key), self._due, self._ref, self._owner]
        args: list[str | int] = [
            sub.key,
            sub.reference,
            sub.owner or "",
            sub.to_json(),
            to_micros(sub.created_at),
        ]
        result = await self._call("write", lambda: self._put(keys=keys, args=args))
        if isinstance(result, bytes | str):
            raise ReferenceTaken(f"reference {sub.reference} is already in use")
        if result == 1:
            return OutboxEntry(sub, EntryState.PENDING, 0, sub.created_at, None)
        existing = await self.by_key(sub.key)
        if existing is None:  # entries are never deleted; this would be someone else's FLUSHDB
            raise OutboxError("an outbox entry vanished while it was being read")
        return existing

    async def by_key(self, key: str) -> OutboxEntry | None:
        raw = await self._call("read", lambda: self._redis.hgetall(self._entry_key(key)))
        return _entry(_decoded(raw)) if raw else None

    async def _via_index(self, index: str, field: str) -> OutboxEntry | None:
        key = await self._call("read", lambda: self._redis.hget(index, field))
        return None if key is None else await self.by_key(_text(key))

    async def by_reference(self, reference: str) -> OutboxEntry | None:
        return await self._via_index(self._ref, reference)

    async def latest_for(self, owner: str) -> OutboxEntry | None:
        return await self._via_index(self._owner, owner)

    async def claim_due(
        self, now: datetime, *, limit: int, lease_seconds: float
    ) -> list[OutboxEntry]:
        until = to_micros(now + timedelta(seconds=lease_seconds))
        args: list[str | int] = [self._p + "entry:", to_micros(now), limit, until]
        rows = await self._call("claim from", lambda: self._claim(keys=[self._due], args=args))
        return [_entry(_pairs(row)) for row in rows]

    async def _change(self, script: Any, keys: list[str], args: list[str | int]) -> OutboxEntry:
        row = await self._call("write", lambda: script(keys=keys, args=args))
        if row is None:
            raise OutboxError(f"no outbox entry with key {_text(args[0])[:8]}…")
        return _entry(_pairs(row))

    async def delivered(
        self, key: str, *, service_request_id: str | None, token: str | None, now: datetime
    ) -> OutboxEntry:
        keys = [self._entry_key(key), self._due, self._parked]
        args: list[str | int] = [key, service_request_id or "", token or "", to_micros(now)]
        return await self._change(self._delivered, keys, args)

    async def retry_later(self, key: str, *, error: str, at: datetime) -> OutboxEntry:
        keys = [self._entry_key(key), self._due]
        return await self._change(self._retry, keys, [key, to_micros(at), clean_error(error)])

    async def park(self, key: str, *, error: str, now: datetime) -> OutboxEntry:
        keys = [self._entry_key(key), self._due, self._parked]
        return await self._change(self._park, keys, [key, to_micros(now), clean_error(error)])

    async def parked(self) -> list[OutboxEntry]:
        async def read() -> list[dict[Any, Any]]:
            keys = await self._redis.zrange(self._parked, 0, -1)
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.hgetall(self._entry_key(_text(key)))
            return cast(list[dict[Any, Any]], await pipe.execute()) if keys else []

        rows = await self._call("read", read)
        return [_entry(_decoded(raw)) for raw in rows if raw]

    async def pending_count(self) -> int:
        return int(await self._call("read", lambda: self._redis.zcard(self._due)))

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def close(self) -> None:
        await self._redis.aclose()
