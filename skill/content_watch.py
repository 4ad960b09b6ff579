"""Publishing reaches every worker: each watches the store's published version and reloads.

A publish bumps the version (the published revision id, which only goes up). Every
worker polls `published_id()` every `poll_seconds`, which alone puts a change live
everywhere within about a second; with Redis configured, the publisher also announces
the version on a pub/sub channel and workers reload at once. The announcement is only a
wake-up: the store stays the one source of truth, so a missed or duplicated message
changes nothing but the delay.

A reload builds a whole new `KnowledgeBase` off the event loop and swaps `core.kb` in
one assignment. The dialog reads the knowledge base once per turn, so a turn in flight
finishes on the version it started with and the next one hears the new version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import redis
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from knowledge_base import ContentError, KnowledgeBase, StoreError
from knowledge_base.store import RevisionStore, load_document
from nlu.entities import Gazetteers
from skill.services import Core, content_store_for
from skill.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "durham311:content"
# How long a worker waits before subscribing again after losing Redis (polling goes on).
RESUBSCRIBE_SECONDS = 2.0

# Called with the version seen in the store; returns the version now being served.
OnNewVersion = Callable[[int], Awaitable[int]]


@runtime_checkable
class TakesGazetteers(Protocol):
    """An NLU engine that recognises knowledge-base phrases (ours; Rasa's does not)."""

    def add_gazetteers(self, gazetteers: Gazetteers) -> None: ...


class ContentWatcher:
    """Notices a newer published version and calls `on_new_version` once for it.

    `version` is the version already being served (None: whatever the store has at the
    first check is news). Checks never overlap, so versions are taken up in order.
    """

    def __init__(
        self,
        *,
        store: RevisionStore,
        on_new_version: OnNewVersion,
        redis_url: str | None,
        poll_seconds: float = 1.0,
        version: int | None = None,
    ) -> None:
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be above 0")
        self._store, self._on_new_version = store, on_new_version
        self._redis_url, self._poll_seconds = redis_url, poll_seconds
        self.version = version
        self._refused: int | None = None  # a version whose content failed to load
        self._store_down = False
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Poll (and listen, with Redis) in background tasks until `stop`."""
        if self._tasks:
            return
        self._tasks.append(asyncio.create_task(self._poll(), name="content-poll"))
        if self._redis_url:
            self._tasks.append(asyncio.create_task(self._listen(), name="content-listen"))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check(self) -> bool:
        """Reload if the store has published past our version; True if this call did."""
        async with self._lock:
            latest = await self._published_id()
            if latest is None or latest == self._refused:
                return False
            if self.version is not None and latest <= self.version:
                return False
            try:
                self.version = await self._on_new_version(latest)
            except StoreError as exc:  # the store went away meanwhile: the next check retries
                log.warning("could not load content revision %d: %s", latest, exc)
                return False
            except ContentError as exc:  # this version will not load; wait for the next
                self._refused = latest
                log.error("published content revision %d cannot be served: %s", latest, exc)
                return False
            except Exception:
                self._refused = latest
                log.exception("loading content revision %d failed", latest)
                return False
            return True

    async def _published_id(self) -> int | None:
        """The store's version; None (warned about once per outage) when it is unreachable."""
        try:
            latest = await asyncio.to_thread(self._store.published_id)
        except StoreError as exc:
            if not self._store_down:
                log.warning("content store unreachable; serving the version we have: %s", exc)
            self._store_down = True
            return None
        if self._store_down:
            log.info("content store reachable again")
        self._store_down = False
        return latest

    async def _poll(self) -> None:
        while True:
            await self._checked()
            await asyncio.sleep(self._poll_seconds)

    async def _listen(self) -> None:
        """Check on every announcement; subscribe again whenever Redis is lost."""
        assert self._redis_url is not None
        client = aioredis.Redis.from_url(self._redis_url, socket_connect_timeout=2.0)
        warned = False
        try:
            while True:
                try:
                    async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                        await pubsub.subscribe(CHANNEL)
                        if warned:
                            log.info("listening for content announcements again")
                        warned = False
                        await self._checked()  # whatever was announced while we were away
                        async for message in pubsub.listen():
                            if self._is_news(message.get("data")):
                                await self._checked()
                except (RedisError, OSError) as exc:
                    if not warned:
                        log.warning("content announcements unavailable (%s); polling every"
                                    " %g s", type(exc).__name__, self._poll_seconds)  # fmt: skip
                    warned = True
                    await asyncio.sleep(RESUBSCRIBE_SECONDS)
        finally:
            await client.aclose()

    def _is_news(self, data: object) -> bool:
        """An announced version newer than ours; anything unreadable is worth a check."""
        try:
            announced = int(data) if isinstance(data, bytes | str) else None
        except ValueError:
            return True
        return announced is None or self.version is None or announced > self.version

    async def _checked(self) -> None:
        """`check`, with anything unforeseen logged instead of ending the watch."""
        try:
            await self.check()
        except Exception:
            log.exception("content check failed")


async def reload_core(core: Core) -> int:
    """Put the store's published content live in `core`; the revision now served.

    The new knowledge base (and its gazetteer phrases) are built off the event loop;
    phrases the NLU engine has not seen are added on the loop, between two parses, and
    only then is the knowledge base swapped in, in one assignment.
    """
    started = time.perf_counter()
    revision, content = await asyncio.to_thread(core.store.published)
    old = core.kb
    if revision == old.revision:
        return revision
    kb = await asyncio.to_thread(KnowledgeBase, content, revision=revision)
    if isinstance(core.nlu, TakesGazetteers):
        added = await asyncio.to_thread(new_phrases, old, kb)
        if added is not None:
            core.nlu.add_gazetteers(added)
    core.kb = kb
    log.info("content revision %d live (was %d) in %.0f ms", revision, old.revision,
             (time.perf_counter() - started) * 1000)  # fmt: skip
    return revision


def new_phrases(old: KnowledgeBase, new: KnowledgeBase) -> Gazetteers | None:
    """The gazetteer phrases `new` has and `old` had not; None when there are none.

    A phrase content no longer has stays known to the engine until the next restart;
    it only marks an entity, which the new knowledge base then does not find.
    """
    before, after = old.gazetteers(), new.gazetteers()
    added = {key: tuple(sorted(set(after[key]) - set(before.get(key, ())))) for key in after}
    return Gazetteers(**added) if any(added.values()) else None


def content_watcher(core: Core, *, poll_seconds: float = 1.0) -> ContentWatcher:
    """A watcher that keeps `core` on the published content (not yet started)."""

    async def on_new_version(_: int) -> int:
        return await reload_core(core)

    return ContentWatcher(store=core.store, on_new_version=on_new_version,
                          redis_url=core.settings.redis_url, poll_seconds=poll_seconds,
                          version=core.kb.revision)  # fmt: skip


@contextlib.asynccontextmanager
async def watching(core: Core, *, poll_seconds: float = 1.0) -> AsyncIterator[ContentWatcher]:
    """Keep `core` on the published content while the block runs (the app, the console)."""
    watcher = content_watcher(core, poll_seconds=poll_seconds)
    watcher.start()
    try:
        yield watcher
    finally:
        await watcher.stop()


async def announce(redis_url: str, version: int) -> bool:
    """Tell every worker that `version` is published; False (logged) if Redis is down.

    Never fatal: the publish has happened, and workers' polling picks it up anyway."""
    client = aioredis.Redis.from_url(redis_url, socket_connect_timeout=2.0, socket_timeout=2.0)
    try:
        await client.publish(CHANNEL, str(version))
        return True
    except (RedisError, OSError) as exc:
        log.warning("could not announce content revision %d (%s); workers will poll",
                    version, type(exc).__name__)  # fmt: skip
        return False
    finally:
        await client.aclose()


def announce_sync(redis_url: str, version: int) -> bool:
    """`announce` for callers without an event loop (the CLI)."""
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2.0, socket_timeout=2.0)
    try:
        client.publish(CHANNEL, str(version))
        return True
    except (RedisError, OSError) as exc:
        log.warning("could not announce content revision %d (%s); workers will poll",
                    version, type(exc).__name__)  # fmt: skip
        return False
    finally:
        client.close()


def publish_file(settings: Settings, path: Path, author: str) -> int:
    """Validate a content YAML file, publish it as a new revision and announce it; its id.

    ContentError (naming the file's bad field) leaves the store untouched."""
    document = load_document(path)
    store = content_store_for(settings)
    try:
        revision = store.save(document, author=author, note=f"published from {path.name}",
                              publish=True)  # fmt: skip
    finally:
        store.close()
    if settings.redis_url:
        announce_sync(settings.redis_url, revision)
    return revision
