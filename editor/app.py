"""The content editor as an aiohttp sub-application: `create_editor_app(...)`.

`skill/` mounts it (at /admin). Every page but sign-in and the style sheet needs a
signed-in session; a signed-out request is sent to sign-in and comes back afterwards.
Every POST must carry the session's CSRF token. Pages are rendered on the server with
Jinja2 (autoescaped); responses carry headers that keep them out of frames and caches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from editor import guard, pages
from editor.accounts import AccountStore, Clock, utc_now
from editor.audit import AuditLog
from editor.content import Workspace
from editor.security import SessionStore, SignInLimiter
from editor.state import EDITOR, Editor, TryIt, UnansweredQuestions
from knowledge_base.store import RevisionStore

HERE = Path(__file__).resolve().parent


def create_editor_app(
    *,
    store: RevisionStore,
    accounts: AccountStore,
    try_it: TryIt | None = None,
    session_lifetime: timedelta = timedelta(hours=8),
    session_idle: timedelta = timedelta(minutes=30),
    sign_in_max_failures: int = 5,
    sign_in_window: timedelta = timedelta(minutes=15),
    secure_cookies: bool | None = None,
    timezone: tzinfo = UTC,
    clock: Clock = utc_now,
    on_publish: Callable[[int], Awaitable[None]] | None = None,
    unanswered: UnansweredQuestions | None = None,
) -> web.Application:
    """The editor over a content store (`knowledge_base.store.open_content_store`) and an
    account store (`editor.accounts.open_accounts`), whose database also holds sessions
    and the audit log.

    `try_it(text, draft_document)` answers an utterance against the draft; without it
    the try-it page says it is not available. The caller opens and closes `store` and
    `accounts`. Sessions end `session_lifetime` after sign-in or after `session_idle`
    without a request; `sign_in_max_failures` wrong passwords for one account from one
    address within `sign_in_window` block further tries until the window has passed.
    Cookies are Secure when served over https, or always/never if `secure_cookies` says
    so (behind a proxy that ends TLS, pass True). Times are shown in `timezone`.
    `on_publish(version)` is awaited after each publish or roll-back (to announce it).
    `unanswered` is where residents' unanswered questions are kept (the caller opens and
    closes it); without it the unanswered-questions page says it is not connected.
    """
    database = accounts.database
    app = web.Application(middlewares=[guard.error_pages, guard.guard])
    app[EDITOR] = Editor(
        workspace=Workspace(store, on_publish=on_publish),
        accounts=accounts,
        sessions=SessionStore(database, lifetime=session_lifetime, idle=session_idle,
                              clock=clock),
        limiter=SignInLimiter(database, max_failures=sign_in_max_failures,
                              window=sign_in_window, clock=clock),
        audit=AuditLog(database, clock=clock),
        try_it=try_it,
        secure_cookies=secure_cookies,
        unanswered=unanswered,
        clock=clock,
    )  # fmt: skip
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        filters={"when": _when(timezone)},
    )
    pages.add_routes(app, static_dir=HERE / "static")
    return app


def _when(zone: tzinfo) -> Callable[[datetime | str | None], str]:
    """A stored UTC time as staff read it: "Mon 30 Nov 2026, 11:40 EST", in their timezone."""

    def when(moment: datetime | str | None) -> str:
        if moment is None:
            return ""
        if isinstance(moment, str):
            try:
                moment = datetime.fromisoformat(moment)
            except ValueError:
                return str(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(zone).strftime("%a %-d %b %Y, %H:%M %Z")

    return when
