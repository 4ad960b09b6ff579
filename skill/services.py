"""Wiring: settings in, the running core out. Used by the HTTP service and the console alike.

Both therefore answer exactly the same way; the console is a faithful test bench.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fulfillment.dialog import DialogManager
from fulfillment.handlers import default_handlers
from fulfillment.outbox import Deliverer, Outbox, SqliteOutbox
from fulfillment.requests_desk import Gateway, RequestDesk, gateway_sender
from fulfillment.sessions import InMemorySessionStore, SessionStore
from fulfillment.unanswered import (
    PostgresUnansweredStore,
    SqliteUnansweredStore,
    UnansweredStore,
)
from knowledge_base import KnowledgeBase
from knowledge_base.store import RevisionStore, open_content_store
from nlu import NLUEngine
from nlu.entities import Gazetteers
from nlu.rasa_engine import RasaEngine
from nlu.spacy_engine import SpacyEngine
from open311.client import Open311Client
from open311.local import LocalGateway
from open311.store import RequestStore, open_request_store
from skill.open311_services import open311_services
from skill.settings import Settings


@dataclass(slots=True)
class Core:
    """What a worker answers with. `kb` is replaced whole when new content is published
    (skill.content_watch); everything reads it afresh, once per turn."""

    settings: Settings
    store: RevisionStore
    kb: KnowledgeBase
    nlu: NLUEngine
    sessions: SessionStore
    dialog: DialogManager
    desk: RequestDesk
    # The embedded Open311 backend's store, when no external endpoint is configured.
    requests: RequestStore | None = None
    owns_requests: bool = field(default=True, repr=False)
    unanswered: UnansweredStore | None = None

    async def close(self) -> None:
        await self.desk.close()
        if self.unanswered is not None:
            await self.unanswered.close()
        if self.requests is not None and self.owns_requests:
            await self.requests.close()
        await self.nlu.close()
        await self.sessions.close()
        self.store.close()


def open_core(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    requests: RequestStore | None = None,
) -> Core:
    """Open the content store (seeding the sample content if empty), load NLU, build dialog.

    `requests` is the embedded backend's store when the caller (the HTTP app, which also
    serves it at /open311/v2/) has opened it; otherwise one is opened here if needed.
    """
    store = content_store_for(settings)
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
    owns = requests is None
    for path in (settings.requests_db, settings.outbox_db):
        path.parent.mkdir(parents=True, exist_ok=True)
    if settings.open311_url is None and requests is None:
        requests = open_request_store(database_url=settings.database_url,
                                      sqlite_path=settings.requests_db)  # fmt: skip
    desk = build_desk(settings, kb, requests)
    unanswered = open_unanswered(settings)
    core = Core(settings, store, kb, nlu, sessions, DialogManager(
        nlu=nlu,
        knowledge=lambda: core.kb,
        sessions=sessions,
        handlers=default_handlers(),
        clock=clock or (lambda: datetime.now(zone)),
        desk=desk,
        unanswered=unanswered,
    ), desk, requests, owns, unanswered)  # fmt: skip
    return core


def open_unanswered(settings: Settings) -> UnansweredStore:
    """Where unanswered questions are kept (scrubbed): PostgreSQL when configured."""
    days = settings.unanswered_keep_days
    if settings.database_url:
        return PostgresUnansweredStore(settings.database_url, keep_days=days)
    settings.unanswered_db.parent.mkdir(parents=True, exist_ok=True)
    return SqliteUnansweredStore(settings.unanswered_db, keep_days=days)


def build_desk(settings: Settings, kb: KnowledgeBase, requests: RequestStore | None) -> RequestDesk:
    """The outbox and the endpoint the Region's reports go to: the municipality's Open311
    server when configured, else the embedded backend, called in-process."""
    gateway: Gateway
    if settings.open311_url is not None:
        gateway = Open311Client(
            base_url=settings.open311_url,
            api_key=settings.open311_api_key,
            jurisdiction_id=settings.open311_jurisdiction_id,
            format=settings.open311_format,
            timeout=settings.open311_timeout,
        )
    else:
        assert requests is not None
        gateway = LocalGateway(store=requests, services=open311_services(kb), clock=utc_now)
    outbox = open_outbox(settings)
    files_for = kb.content.who_handles.files_for
    # A send is cut off at its lease (then another worker may take it): longer than a call.
    lease = max(settings.outbox_lease, settings.open311_timeout + 1)
    deliverer = Deliverer(outbox=outbox, send=gateway_sender({files_for: gateway}), clock=utc_now,
                          base_delay=settings.outbox_base_delay,
                          max_delay=settings.outbox_max_delay, lease_seconds=lease)  # fmt: skip
    return RequestDesk(outbox=outbox, gateways={files_for: gateway}, clock=utc_now,
                       wait_seconds=settings.report_wait, deliverer=deliverer)  # fmt: skip


def open_outbox(settings: Settings) -> Outbox:
    """Redis when configured (several workers share it), else the SQLite file."""
    if settings.redis_url:
        from fulfillment.redis_outbox import RedisOutbox

        return RedisOutbox(url=settings.redis_url)
    settings.outbox_db.parent.mkdir(parents=True, exist_ok=True)
    return SqliteOutbox(path=settings.outbox_db)


def utc_now() -> datetime:
    """Delivery runs on the real clock, even when the dialog's is fixed (tests)."""
    return datetime.now(UTC)


def build_engine(settings: Settings, kb: KnowledgeBase) -> NLUEngine:
    if settings.engine == "rasa":
        return RasaEngine(url=settings.rasa_url)
    return SpacyEngine(model_dir=settings.model_dir, gazetteers=Gazetteers(**kb.gazetteers()),
                       threshold=settings.nlu_threshold)  # fmt: skip


def content_store_for(settings: Settings) -> RevisionStore:
    """The content store: PostgreSQL when database_url is set, else the content_db file."""
    return open_content_store(database_url=settings.database_url, sqlite_path=settings.content_db)


def published_gazetteers(settings: Settings) -> Gazetteers:
    """The NLU gazetteers of the published content (the sample, if the store is empty)."""
    store = content_store_for(settings)
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
