"""One walk through the editor in a real browser: Debian's Chromium, driven by Playwright.

An editor changes the pizza box's stream, is refused publishing, a publisher publishes,
and the published revision says blue box. Screenshots of the list, edit, history and
diff pages (and a refused form) are saved to tests/editor/screenshots/ for people to
look at. Playwright never downloads a browser here: it launches /usr/bin/chromium
(`make browser` installs it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright, expect

from editor.accounts import AccountStore
from editor.app import create_editor_app
from knowledge_base import ContentStore
from tests.conftest import TORONTO, free_port
from tests.editor.conftest import PASSWORD, draft_lookup, mount

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed; run `make browser`")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        await launched.close()


@pytest.fixture
async def base_url(content_store: ContentStore, accounts: AccountStore) -> AsyncIterator[str]:
    editor = create_editor_app(
        store=content_store, accounts=accounts, try_it=draft_lookup, timezone=TORONTO
    )
    server = TestServer(mount(editor), host="127.0.0.1", port=free_port())
    await server.start_server()
    yield str(server.make_url("/admin/"))
    await server.close()


async def sign_in(page: Page, base_url: str, name: str) -> None:
    await page.goto(base_url + "waste-items")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("Account name").fill(name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.slow
async def test_editor_changes_an_item_and_a_publisher_publishes_it(
    browser: Browser, base_url: str, content_store: ContentStore
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 860})

    await sign_in(page, base_url, "erin")
    await page.get_by_label("Search").fill("box")
    await page.get_by_label("Where it goes").select_option(label="Green bin")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("link", name="pizza boxes")).to_be_visible()
    await shot(page, "list")

    await page.get_by_role("link", name="pizza boxes").click()
    await expect(page.get_by_role("heading", name="pizza boxes")).to_be_visible()
    await page.get_by_label("Where it goes").select_option(label="Blue box")
    tip = page.get_by_label("Tip")
    await tip.fill("Take greasy ones to the HHW depot on Ritson Rd. instead.")
    await page.get_by_role("button", name="Save draft").click()
    await expect(page.get_by_text('"HHW" is an abbreviation').first).to_be_visible()
    await expect(tip).to_have_value("Take greasy ones to the HHW depot on Ritson Rd. instead.")
    await shot(page, "edit-refused")

    await tip.fill("Only clean boxes with no grease.")
    await page.get_by_role("button", name="Save draft").click()
    await expect(page.get_by_text("Saved as draft revision 2.")).to_be_visible()
    await expect(page.get_by_text("Put pizza boxes in your blue box.")).to_be_visible()
    await shot(page, "edit")

    await page.get_by_role("link", name="Review and publish").first.click()
    await page.get_by_role("button", name="Publish revision 2").click()
    await expect(page.get_by_role("heading", name="Only publishers can publish")).to_be_visible()
    await shot(page, "publish-refused")
    assert content_store.published_id() == 1
    await page.get_by_role("button", name="Sign out").click()

    await sign_in(page, base_url, "paul")
    await page.get_by_role("link", name="Review and publish").first.click()
    await expect(page.get_by_text("Green bin")).to_be_visible()
    await shot(page, "publish")
    await page.get_by_role("button", name="Publish revision 2").click()
    await expect(page.get_by_text("Published revision 2. Residents hear it now.")).to_be_visible()
    await shot(page, "history")
    await page.get_by_role("link", name="Revision 2", exact=True).click()
    await expect(page.get_by_role("heading", name="Changes since revision 1")).to_be_visible()
    await shot(page, "revision")

    published_id, content = content_store.published()
    assert published_id == 2
    pizza = next(item for item in content.waste_items if item.id == "pizza-box")
    assert pizza.disposal == "blue_box"
    assert pizza.tip == "Only clean boxes with no grease."

    await page.set_viewport_size({"width": 768, "height": 1024})  # a tablet, upright
    await page.goto(base_url + "waste-items/pizza-box")
    await expect(page.get_by_role("heading", name="pizza boxes")).to_be_visible()
    await expect(page.get_by_label("Where it goes")).to_have_value("blue_box")
    await shot(page, "edit-tablet")
