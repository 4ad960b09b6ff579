"""The whole service in a real browser: an editor's change, refused to an editor, published
by a publisher, is what the console answers next (the worker reloads published content)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from editor.accounts import AccountStore, open_accounts
from skill.app import create_app
from skill.services import Core
from skill.settings import Settings
from skill.users_cli import editor_db_path
from tests.conftest import free_port
from tests.editor.conftest import FAST_HASHER, PASSWORD
from tests.editor.test_browser import browser, shot, sign_in

__all__ = ["browser"]  # the fixture, shared with the editor's own browser test


@pytest.fixture
async def service(settings: Settings, core: Core) -> AsyncIterator[str]:
    opened = open_accounts(database_url=None, sqlite_path=editor_db_path(settings))
    accounts = AccountStore(opened.database, hasher=FAST_HASHER)
    await accounts.add("erin", PASSWORD, role="editor")
    await accounts.add("paul", PASSWORD, role="publisher")
    await accounts.close()
    server = TestServer(create_app(settings, core=core), host="127.0.0.1", port=free_port())
    await server.start_server()
    yield str(server.make_url("/"))
    await server.close()


async def ask(base: str, text: str) -> str:
    async with aiohttp.ClientSession() as http:
        body = {"session_id": "heard", "text": text}
        async with http.post(base + "console/turn", json=body) as response:
            return str((await response.json())["reply"]["speech"])


@pytest.mark.slow
async def test_a_published_change_is_what_residents_hear(browser: Browser, service: str) -> None:
    assert "green bin" in (await ask(service, "where does a pizza box go")).lower()
    page = await browser.new_page(viewport={"width": 1280, "height": 860})
    admin = service + "admin/"
    await sign_in(page, admin, "erin")
    await page.goto(admin + "waste-items/pizza-box")
    await page.get_by_label("Where it goes").select_option(label="Garbage")
    await page.get_by_role("button", name="Save draft").click()
    await expect(page.get_by_text("Saved as draft revision")).to_be_visible()
    assert "green bin" in (await ask(service, "where does a pizza box go")).lower(), "a draft"
    await page.get_by_role("link", name="Review and publish").first.click()
    await page.get_by_role("button", name="Publish revision").click()
    await expect(page.get_by_role("heading", name="Only publishers can publish")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()

    await sign_in(page, admin, "paul")
    await page.get_by_role("link", name="Review and publish").first.click()
    await page.get_by_role("button", name="Publish revision").click()
    await expect(page.get_by_text("Residents hear it now.")).to_be_visible()
    await shot(page, "service-history")
    loop = asyncio.get_running_loop()
    published, heard = loop.time(), ""
    while loop.time() - published < 5.0:
        heard = (await ask(service, "where does a pizza box go")).lower()
        if "garbage" in heard:
            break
        await asyncio.sleep(0.1)
    print(f"published -> heard in {loop.time() - published:.2f} s: {heard!r}")
    assert "garbage" in heard and "green bin" not in heard
