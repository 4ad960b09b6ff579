"""Wiring: settings in, the running core out. Used by the HTTP service and the console alike.

Both therefore answer exactly the same way; the console is a faithful test bench.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fulfillment.dialog import DialogManager
from fulfillment.handlers import default_handlers
from fulfillment.sessions import InMemorySessionStore, SessionStore
from knowledge_base import ContentStore, KnowledgeBase
from nlu import NLUEngine
from nlu.entities import Gazetteers
from nlu.rasa_engine import RasaEngine
from nlu.spacy_engine import SpacyEngine
from skill.settings import Settings


@dataclass(slots=True)
class Core:
    settings: Settings
    store: ContentStore
    kb: KnowledgeBase
    nlu: NLUEngine
    sessions: SessionStore
    dialog: DialogManager

    async def close(self) -> None:
        await self.nlu.close()
        await self.sessions.close()
        self.store.close()


def open_core(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Core:
    """Open the content store (seeding the sample content if empty), load NLU, build dialog."""
    store = ContentStore(settings.content_db)
    try:
        store.seed()
        revision, content = store.published()
        kb = KnowledgeBase(content, revision=revision)
        nlu = build_engine(settings, kb)
    except BaseException:
        store.close()
        raise
    sessions = build_sessions(settings)
    zone = settings.zone
    core = Core(settings, store, kb, nlu, sessions, DialogManager(
        nlu=nlu,
        knowledge=lambda: core.kb,
        sessions=sessions,
        handlers=default_handlers(),
        clock=clock or (lambda: datetime.now(zone)),
    ))  # fmt: skip
    return core


def build_engine(settings: Settings, kb: KnowledgeBase) -> NLUEngine:
    if settings.engine == "rasa":
        return RasaEngine(url=settings.rasa_url)
    return SpacyEngine(model_dir=settings.model_dir, gazetteers=Gazetteers(**kb.gazetteers()),
                       threshold=settings.nlu_threshold)  # fmt: skip


def published_gazetteers(settings: Settings) -> Gazetteers:
    """The NLU gazetteers of the published content (the sample, if the store is empty)."""
    store = ContentStore(settings.content_db)
    try:
        store.seed()
        return Gazetteers(**KnowledgeBase(store.published()[1]).gazetteers())
    finally:
        store.close()


def build_sessions(settings: Settings) -> SessionStore:
    if settings.redis_url:
        from fulfillment.redis_sessions import RedisSessionStore

        return RedisSessionStore(url=settings.redis_url, ttl_seconds=settings.session_ttl)
    return InMemorySessionStore(ttl_seconds=settings.session_ttl)
