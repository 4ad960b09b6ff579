"""The unanswered-questions page over real HTTP, with a real SQLite unanswered store:
groups counted and searchable, personal details never shown, and an FAQ article
started from a group with its question and keywords filled in."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from editor.accounts import AccountStore
from editor.unanswered_pages import faq_keywords, faq_question
from fulfillment.unanswered import SqliteUnansweredStore
from knowledge_base import ContentStore
from tests.editor.conftest import csrf_of, serve, sign_in


@pytest.fixture
async def questions(tmp_path: Path) -> AsyncIterator[SqliteUnansweredStore]:
    store = SqliteUnansweredStore(tmp_path / "unanswered.sqlite3", keep_days=7)
    now = datetime.now(UTC)
    asked = [
        ("where do i get a dog licence", "fallback", None, 1),
        ("where do i get a dog license", "fallback", None, 2),
        ("um where do i get a dog licence please", "no_content", "faq", 3),
        ("when is garbage day on 123 King Street East call me at 905-555-1234", "fallback",
         None, 4),
        ("can i park overnight in winter", "no_content", "faq", 5),
    ]  # fmt: skip
    for text, reason, intent, minutes in asked:
        await store.record(text, reason=reason, intent=intent,  # type: ignore[arg-type]
                           when=now - timedelta(minutes=minutes))  # fmt: skip
    await store.record("where is the old ferry dock", reason="fallback", intent=None,
                       when=now - timedelta(days=9))  # fmt: skip
    yield store
    await store.close()


def rows(page: str) -> list[str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)


async def test_groups_are_counted_scrubbed_and_searchable(
    content_store: ContentStore, accounts: AccountStore, questions: SqliteUnansweredStore
) -> None:
    async with serve(content_store, accounts, unanswered=questions) as client:
        await sign_in(client, "erin")  # an editor may look
        response = await client.get("/admin/unanswered")
        assert response.status == 200
        page = await response.text()
        assert "last 7 days" in page
        found = rows(page)
        assert len(found) == 3  # dog licence (3 wordings), garbage day, parking
        assert '<td class="number">3</td>' in found[0]
        assert "dog licen" in found[0] and "Not understood" in found[0]
        assert "Understood, but no content" in found[0]
        garbage = next(r for r in found if "garbage day" in r)
        assert "&lt;address&gt;" in garbage and "&lt;number&gt;" in garbage
        assert "123" not in page and "555" not in page and "king street" not in page.lower()
        assert "ferry dock" not in page  # asked before the last 7 days

        searched = await (await client.get("/admin/unanswered", params={"q": "park"})).text()
        assert len(rows(searched)) == 1 and "park overnight" in searched
        assert "Showing 1 of 3 groups." in searched
        nothing = await (await client.get("/admin/unanswered", params={"q": "zebra"})).text()
        assert "Nothing matches" in nothing


async def test_an_faq_article_starts_from_a_group(
    content_store: ContentStore, accounts: AccountStore, questions: SqliteUnansweredStore
) -> None:
    async with serve(content_store, accounts, unanswered=questions) as client:
        await sign_in(client, "erin")
        page = await (await client.get("/admin/unanswered", params={"q": "garbage"})).text()
        link = html.unescape(re.findall(r'href="([^"]*/faq/new[^"]*)"', page)[0])
        query = parse_qs(urlsplit(link).query)
        assert query["question"] == ["When is garbage day?"]
        assert "garbage day" in query["keywords"][0]
        assert "<" not in query["keywords"][0]

        page = await (await client.get("/admin/unanswered", params={"q": "dog"})).text()
        link = html.unescape(re.findall(r'href="([^"]*/faq/new[^"]*)"', page)[0])
        form_page = await client.get(link)
        assert form_page.status == 200
        form = await form_page.text()
        assert 'value="Where do I get a dog licence?"' in form
        keywords = re.search(r'id="f-keywords"[^>]*>([^<]*)</textarea>', form)
        assert keywords and "dog licence" in keywords[1] and "dog license" in keywords[1]

        before = len(content_store.revisions())
        saved = await client.post(link.split("?")[0], data={
            "csrf_token": csrf_of(form),
            "question": "Where do I get a dog licence?",
            "keywords": keywords[1],
            "answer": "Dog licences come from your town, not the Region. Call your town office.",
        })  # fmt: skip
        assert saved.status == 200, await saved.text()
        assert len(content_store.revisions()) == before + 1
        draft = content_store.draft()
        assert draft is not None
        assert any(f["question"] == "Where do I get a dog licence?" for f in draft[1]["faq"])


async def test_without_a_store_the_page_says_it_is_not_connected(
    content_store: ContentStore, accounts: AccountStore
) -> None:
    async with serve(content_store, accounts) as client:
        await sign_in(client, "paul")
        response = await client.get("/admin/unanswered")
        assert response.status == 200
        assert "not connected" in await response.text()


async def test_signed_out_is_sent_to_sign_in(
    content_store: ContentStore, accounts: AccountStore, questions: SqliteUnansweredStore
) -> None:
    async with serve(content_store, accounts, unanswered=questions) as client:
        response = await client.get("/admin/unanswered", allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"].startswith("/admin/sign-in")


def test_questions_and_keywords_from_scrubbed_wordings() -> None:
    assert faq_question("when is garbage day on <address>") == "When is garbage day?"
    assert faq_question("my name is <name> and i need a dog licence") == "I need a dog licence"
    assert faq_question("is the pool open at <address> today") == "Is the pool open today?"
    assert faq_question("<number>") == ""
    assert faq_question("can i park where i'm told") == "Can I park where I'm told?"
    assert faq_keywords(["where do i get a dog licence", "dog license <number>",
                         "<address> garbage day"]) == [
        "dog licence", "dog license", "garbage day"]  # fmt: skip
