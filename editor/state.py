"""What every editor page shares: the stores, the signed-in session, the try-it callback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web

from editor.accounts import AccountStore, Clock
from editor.audit import AuditLog
from editor.content import Workspace
from editor.security import Session, SessionStore, SignInLimiter
from fulfillment.unanswered import GROUP_CUTOFF, Group

# (utterance, draft document) -> the reply a resident would hear, from the real pipeline.
TryIt = Callable[[str, dict[str, Any]], Awaitable[str]]


class UnansweredQuestions(Protocol):
    """What the editor reads of `fulfillment.unanswered`'s stores (SQLite or PostgreSQL):
    the grouped questions, and how many days they are kept."""

    @property
    def keep_days(self) -> int: ...

    async def groups(self, since: datetime, *, cutoff: float = GROUP_CUTOFF) -> list[Group]: ...


@dataclass(frozen=True, slots=True)
class Editor:
    """Built once per application by `create_editor_app`."""

    workspace: Workspace
    accounts: AccountStore
    sessions: SessionStore
    limiter: SignInLimiter
    audit: AuditLog
    try_it: TryIt | None
    secure_cookies: bool | None  # None: Secure whenever the request came over https
    unanswered: UnansweredQuestions | None  # what residents asked that had no answer
    clock: Clock


EDITOR = web.AppKey("editor", Editor)
SESSION = web.RequestKey("editor_session", Session)
