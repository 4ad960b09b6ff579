"""Local staff accounts: a name, a role and an argon2 password hash.

Roles nest: an *editor* edits drafts, a *publisher* also publishes and rolls back,
an *admin* also manages accounts. Hashing runs in a thread: argon2 is slow on purpose,
and the event loop keeps serving other staff meanwhile. A sign-in for a name that does
not exist still hashes, so the time taken does not tell which names exist.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from editor.database import Database, Row, open_editor_database
from editor.errors import AccountError, Duplicate

ROLES = ("editor", "publisher", "admin")
MIN_PASSWORD = 12  # staff accounts guard what every resident hears
MAX_PASSWORD = 1024  # argon2 takes any length; this bounds the work one request can cause
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """UTC text with a fixed layout, so text order is time order in both databases."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    role: str
    disabled: bool

    @property
    def can_publish(self) -> bool:
        return self.role in ("publisher", "admin")

    @property
    def can_manage_accounts(self) -> bool:
        return self.role == "admin"


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise AccountError(
            f"account name {name!r} must be 2 to 64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must be at most {MAX_PASSWORD} characters")
    if not password.strip():
        raise AccountError("the password must not be only spaces")
    return password


class AccountStore:
    """Accounts in the editor's database; sessions and the audit log share that database."""

    def __init__(
        self, database: Database, *, hasher: PasswordHasher | None = None, clock: Clock = utc_now
    ) -> None:
        self.database = database
        self._hasher = hasher or PasswordHasher()
        self._clock = clock
        self._dummy_hash: str | None = None

    async def add(self, name: str, password: str, *, role: str) -> Account:
        check_name(name)
        check_role(role)
        check_password(password)
        hashed = await asyncio.to_thread(self._hasher.hash, password)
        now = stamp(self._clock())
        try:
            await self.database.execute(
                "INSERT INTO editor_accounts (name, password_hash, role, disabled, created_at,"
                " updated_at) VALUES (?, ?, ?, 0, ?, ?)",
                (name, hashed, role, now, now),
            )
        except Duplicate:
            raise AccountError(f"an account named {name!r} already exists") from None
        return Account(name, role, disabled=False)

    async def set_password(self, name: str, password: str) -> None:
        """A new password; the account's open sessions end, so an old one cannot linger."""
        check_password(password)
        hashed = await asyncio.to_thread(self._hasher.hash, password)
        await self._update(name, "password_hash = ?", hashed)

    async def set_role(self, name: str, role: str) -> None:
        await self._update(name, "role = ?", check_role(role))

    async def disable(self, name: str) -> None:
        """The account can no longer sign in, and its open sessions end now."""
        await self._update(name, "disabled = ?", 1)

    async def enable(self, name: str) -> None:
        await self._update(name, "disabled = ?", 0)

    async def _update(self, name: str, assignment: str, value: object) -> None:
        changed = await self.database.execute(
            f"UPDATE editor_accounts SET {assignment}, updated_at = ? WHERE name = ?",
            (value, stamp(self._clock()), name),
        )
        if changed != 1:
            raise AccountError(f"no account named {name!r}")
        await self.database.execute("DELETE FROM editor_sessions WHERE account = ?", (name,))

    async def get(self, name: str) -> Account | None:
        row = await self.database.fetch_one(
            "SELECT name, role, disabled FROM editor_accounts WHERE name = ?", (name,)
        )
        return None if row is None else _account(row)

    async def all(self) -> list[Account]:
        rows = await self.database.fetch_all(
            "SELECT name, role, disabled FROM editor_accounts ORDER BY name"
        )
        return [_account(r) for r in rows]

    async def verify(self, name: str, password: str) -> Account | None:
        """The account if the password is right and the account is enabled, else None."""
        row = await self.database.fetch_one(
            "SELECT name, role, disabled, password_hash FROM editor_accounts WHERE name = ?",
            (name,),
        )
        if len(password) > MAX_PASSWORD:
            return None
        if row is None:
            await asyncio.to_thread(self._burn, password)
            return None
        if not await asyncio.to_thread(self._matches, row["password_hash"], password):
            return None
        account = _account(row)
        if account.disabled:
            return None
        if self._hasher.check_needs_rehash(row["password_hash"]):  # the cost settings rose
            rehashed = await asyncio.to_thread(self._hasher.hash, password)
            await self.database.execute(
                "UPDATE editor_accounts SET password_hash = ? WHERE name = ?", (rehashed, name)
            )
        return account

    def _matches(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def _burn(self, password: str) -> None:
        """Spend the time a real check takes, for a name that does not exist."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("not a real password, only spends time")
        self._matches(self._dummy_hash, password)

    async def close(self) -> None:
        await self.database.close()


def open_accounts(*, database_url: str | None, sqlite_path: Path) -> AccountStore:
    """The account store on PostgreSQL when a URL is given, else on the SQLite file."""
    return AccountStore(open_editor_database(database_url=database_url, sqlite_path=sqlite_path))


def _account(row: Row) -> Account:
    return Account(name=row["name"], role=row["role"], disabled=bool(row["disabled"]))
