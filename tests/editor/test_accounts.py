"""Accounts, sessions, sign-in limits and the audit log, the same on SQLite and PostgreSQL.

The PostgreSQL runs use the machine's real server, a fresh database each, so several
workers sharing one editor database are tested for real.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from editor.accounts import AccountStore, open_accounts
from editor.audit import AuditLog
from editor.errors import AccountError
from editor.security import SessionStore, SignInLimiter
from tests.editor.conftest import FAST_HASHER, PASSWORD

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AccountStore]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    opened = open_accounts(database_url=url, sqlite_path=tmp_path / "editor.sqlite3")
    accounts = AccountStore(opened.database, hasher=FAST_HASHER)
    yield accounts
    await accounts.close()


async def test_accounts_are_added_verified_and_disabled(store: AccountStore) -> None:
    added = await store.add("ada", PASSWORD, role="admin")
    assert added.can_publish and added.can_manage_accounts
    editor = await store.add("erin", PASSWORD, role="editor")
    assert not editor.can_publish
    assert await store.verify("ada", PASSWORD) == added
    assert await store.verify("ada", "a wrong password") is None
    assert await store.verify("nobody", PASSWORD) is None
    await store.disable("erin")
    assert await store.verify("erin", PASSWORD) is None
    assert [(a.name, a.role, a.disabled) for a in await store.all()] == [
        ("ada", "admin", False),
        ("erin", "editor", True),
    ]


async def test_passwords_are_kept_only_as_argon2_hashes(store: AccountStore) -> None:
    await store.add("ada", PASSWORD, role="admin")
    row = await store.database.fetch_one(
        "SELECT password_hash FROM editor_accounts WHERE name = ?", ("ada",)
    )
    assert row is not None
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


async def test_bad_accounts_are_refused_with_reasons(store: AccountStore) -> None:
    await store.add("ada", PASSWORD, role="admin")
    with pytest.raises(AccountError, match="already exists"):
        await store.add("ada", PASSWORD, role="editor")
    with pytest.raises(AccountError, match="role must be one of editor, publisher, admin"):
        await store.add("bob", PASSWORD, role="owner")
    with pytest.raises(AccountError, match="at least 12 characters"):
        await store.add("bob", "short", role="editor")
    with pytest.raises(AccountError, match="lower-case letters"):
        await store.add("Bob Smith", PASSWORD, role="editor")
    with pytest.raises(AccountError, match="no account named 'carol'"):
        await store.set_password("carol", PASSWORD)
    assert [a.name for a in await store.all()] == ["ada"]


async def test_sessions_expire_and_end_with_a_new_password(store: AccountStore) -> None:
    clock = Clock()
    sessions = SessionStore(store.database, lifetime=timedelta(hours=8),
                            idle=timedelta(minutes=30), clock=clock)  # fmt: skip
    account = await store.add("erin", PASSWORD, role="editor")
    token, started = await sessions.start(account)
    found = await sessions.find(token)
    assert found is not None and found.account == account
    assert found.csrf_token == started.csrf_token
    assert await sessions.find(token + "x") is None
    clock.now += timedelta(minutes=31)
    assert await sessions.find(token) is None  # idle too long

    token, _ = await sessions.start(account)
    await store.set_password("erin", "another long password")
    assert await sessions.find(token) is None
    assert await store.verify("erin", "another long password") == account


async def test_sign_in_limit_counts_per_name_and_address(store: AccountStore) -> None:
    clock = Clock()
    limiter = SignInLimiter(store.database, max_failures=3,
                            window=timedelta(minutes=15), clock=clock)  # fmt: skip
    for _ in range(3):
        assert await limiter.retry_after("erin", "10.0.0.1") is None
        await limiter.failed("erin", "10.0.0.1")
        clock.now += timedelta(minutes=1)
    wait = await limiter.retry_after("Erin ", "10.0.0.1")  # the same name, as typed
    assert wait == timedelta(minutes=12)  # the first failure leaves the window at 9:15
    assert await limiter.retry_after("erin", "10.0.0.2") is None
    assert await limiter.retry_after("paul", "10.0.0.1") is None
    clock.now += timedelta(minutes=12)
    assert await limiter.retry_after("erin", "10.0.0.1") is None


async def test_audit_log_pages_newest_first(store: AccountStore) -> None:
    clock = Clock()
    audit = AuditLog(store.database, clock=clock)
    for n in range(5):
        clock.now += timedelta(minutes=1)
        await audit.record(
            "erin" if n % 2 else "paul", "saved draft", f"waste item {n}", "x" * 3000
        )
    newest = await audit.recent(limit=2)
    assert [e.subject for e in newest] == ["waste item 4", "waste item 3"]
    assert newest[0].at == START + timedelta(minutes=5)
    assert len(newest[0].detail) == 2000  # cut, with an ellipsis
    older = await audit.recent(limit=10, before=newest[-1].id)
    assert [e.subject for e in older] == ["waste item 2", "waste item 1", "waste item 0"]
    assert [e.subject for e in await audit.recent(actor="erin")] == [
        "waste item 3",
        "waste item 1",
    ]
