"""What every editor page shares: the stores, the signed-in session, the try-it callback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from editor.accounts import AccountStore
from editor.audit import AuditLog
from editor.content import Workspace
from editor.security import Session, SessionStore, SignInLimiter

# (utterance, draft document) -> the reply a resident would hear, from the real pipeline.
TryIt = Callable[[str, dict[str, Any]], Awaitable[str]]


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


EDITOR = web.AppKey("editor", Editor)
SESSION = web.RequestKey("editor_session", Session)
