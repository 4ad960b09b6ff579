"""Who is signed in, whether a form really came from our page, and how often one may guess.

Sessions live in the editor's database, keyed by a hash of the cookie's random token
(a copy of the table cannot be replayed as cookies). A session ends at a fixed lifetime
or after an idle spell, whichever comes first, and at once when its account is disabled
or given a new password. Each session has its own CSRF token, which every form carries
and every POST must return. The sign-in form, before any session exists, is protected
by a double-submit cookie instead. Failed sign-ins are counted per account name and
address in the same database, so every worker enforces one limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from editor.accounts import Account, Clock, stamp, utc_now
from editor.database import Database

SESSION_COOKIE = "durham311_editor"
SIGN_IN_COOKIE = "durham311_editor_sign_in"  # the sign-in form's double-submit CSRF token
CSRF_FIELD = "csrf_token"
_TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most this often per session


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token on either side never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    account: Account
    csrf_token: str
    expires_at: datetime


class SessionStore:
    """Server-side sessions: the cookie holds only a random token."""

    def __init__(
        self,
        database: Database,
        *,
        lifetime: timedelta,
        idle: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._db = database
        self.lifetime = lifetime
        self.idle = idle
        self._clock = clock

    async def start(self, account: Account) -> tuple[str, Session]:
        """A new session for `account`: the cookie's token, and the session itself."""
        now = self._clock()
        token, csrf = new_token(), new_token()
        expires = now + self.lifetime
        await self._db.execute(
            "DELETE FROM editor_sessions WHERE expires_at < ? OR last_seen < ?",
            (stamp(now), stamp(now - self.idle)),
        )
        await self._db.execute(
            "INSERT INTO editor_sessions (token_hash, account, csrf_token, created_at, last_seen,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (_digest(token), account.name, csrf, stamp(now), stamp(now), stamp(expires)),
        )
        return token, Session(account, csrf, expires)

    async def find(self, token: str | None) -> Session | None:
        """The live session for a cookie's token, or None (unknown, expired, idle, disabled)."""
        if not token or len(token) > 200:
            return None
        now = self._clock()
        row = await self._db.fetch_one(
            "SELECT s.csrf_token, s.expires_at, s.last_seen, a.name, a.role, a.disabled"
            " FROM editor_sessions s JOIN editor_accounts a ON a.name = s.account"
            " WHERE s.token_hash = ?",
            (_digest(token),),
        )
        if row is None or row["disabled"]:
            return None
        expires = datetime.fromisoformat(row["expires_at"])
        last_seen = datetime.fromisoformat(row["last_seen"])
        if now >= expires or now - last_seen >= self.idle:
            await self.end(token)
            return None
        if now - last_seen >= _TOUCH_EVERY:
            await self._db.execute(
                "UPDATE editor_sessions SET last_seen = ? WHERE token_hash = ?",
                (stamp(now), _digest(token)),
            )
        account = Account(row["name"], row["role"], disabled=False)
        return Session(account, row["csrf_token"], expires)

    async def end(self, token: str) -> None:
        await self._db.execute(
            "DELETE FROM editor_sessions WHERE token_hash = ?", (_digest(token),)
        )


class SignInLimiter:
    """At most `max_failures` wrong passwords per account name and address in `window`."""

    def __init__(
        self,
        database: Database,
        *,
        max_failures: int,
        window: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._db = database
        self.max_failures = max_failures
        self.window = window
        self._clock = clock

    async def retry_after(self, account: str, address: str) -> timedelta | None:
        """How long until another try is allowed; None if one is allowed now."""
        since = self._clock() - self.window
        rows = await self._db.fetch_all(
            "SELECT at FROM editor_sign_in_failures WHERE account = ? AND address = ? AND at > ?"
            " ORDER BY at DESC",
            (_key(account), address, stamp(since)),
        )
        if len(rows) < self.max_failures:
            return None
        # Allowed again once the oldest failure that still counts leaves the window.
        oldest_counted = datetime.fromisoformat(rows[self.max_failures - 1]["at"])
        return max(timedelta(seconds=1), oldest_counted - since)

    async def failed(self, account: str, address: str) -> None:
        now = self._clock()
        await self._db.execute(
            "DELETE FROM editor_sign_in_failures WHERE at < ?", (stamp(now - self.window),)
        )
        await self._db.execute(
            "INSERT INTO editor_sign_in_failures (account, address, at) VALUES (?, ?, ?)",
            (_key(account), address, stamp(now)),
        )

    async def succeeded(self, account: str, address: str) -> None:
        await self._db.execute(
            "DELETE FROM editor_sign_in_failures WHERE account = ? AND address = ?",
            (_key(account), address),
        )


def _key(account: str) -> str:
    """What was typed as the name, bounded: unknown names are limited like real ones."""
    return account.strip().lower()[:64]


def safe_next(target: str | None, *, prefix: str, default: str) -> str:
    """Where to go after signing in: only a path inside the editor, never another site."""
    if (
        not target
        or not target.startswith(prefix)
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target
