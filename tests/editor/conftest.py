"""The editor served for real: a seeded content store, accounts, and the app mounted at
/admin under a parent application on a loopback port, as `skill/` mounts it."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from editor.accounts import AccountStore, open_accounts
from editor.app import create_editor_app
from knowledge_base import Content, ContentStore, KnowledgeBase
from tests.conftest import free_port, fresh_database

PASSWORD = "correct horse battery staple"
# Real argon2 at a lower cost than production's: the tests sign in dozens of times.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
STAFF = {"erin": "editor", "paul": "publisher", "ada": "admin"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

Client = TestClient[web.Request, web.Application]


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store seeded with the sample once per run; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("seeded") / "content.sqlite3"
    store = ContentStore(path)
    store.seed()
    store.close()
    return path


@pytest.fixture
def content_store(seeded_file: Path, tmp_path: Path) -> Iterator[ContentStore]:
    path = tmp_path / "content.sqlite3"
    shutil.copyfile(seeded_file, path)
    store = ContentStore(path)
    yield store
    store.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the machine's real PostgreSQL, dropped afterwards."""
    with fresh_database("editor_test") as url:
        yield url


@pytest.fixture
async def accounts(tmp_path: Path) -> AsyncIterator[AccountStore]:
    store = open_accounts(database_url=None, sqlite_path=tmp_path / "editor.sqlite3")
    store = AccountStore(store.database, hasher=FAST_HASHER)
    for name, role in STAFF.items():
        await store.add(name, PASSWORD, role=role)
    yield store
    await store.close()


async def draft_lookup(text: str, document: dict[str, Any]) -> str:
    """A real answer from the draft: the waste guide lookup the dialog uses for items."""
    kb = KnowledgeBase(Content.from_dict(document))
    phrase = re.sub(r"^(where|how) (does|do|should) (an? |the )?|( go| get)?\??$", "", text)
    item = kb.find_waste_item(phrase)
    return kb.disposal_sentence(item) if item else "Sorry, I don't know that item."


def mount(editor: web.Application) -> web.Application:
    parent = web.Application()
    parent.add_subapp("/admin", editor)
    return parent


@asynccontextmanager
async def serve(
    content_store: ContentStore, accounts: AccountStore, **options: Any
) -> AsyncIterator[Client]:
    """The editor with `options` on a loopback port, and a client with its own cookies."""
    editor = create_editor_app(
        store=content_store, accounts=accounts, try_it=draft_lookup, **options
    )
    server = TestServer(mount(editor), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def client(content_store: ContentStore, accounts: AccountStore) -> AsyncIterator[Client]:
    async with serve(content_store, accounts) as made:
        yield made


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


async def sign_in(client: Client, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the session's CSRF token from the page it lands on."""
    page = await client.get("/admin/sign-in")
    response = await client.post(
        "/admin/sign-in",
        data={"name": name, "password": password, "csrf_token": csrf_of(await page.text())},
    )
    assert response.status == 200, await response.text()
    return csrf_of(await response.text())
