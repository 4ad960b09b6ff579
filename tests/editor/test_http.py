"""The editor over real HTTP: sign-in, roles, CSRF, redirects, forms that keep what was typed.

The editor is mounted at /admin under a parent application on a loopback port, as the
service mounts it; every check goes through the pages a person would use.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from editor.accounts import AccountStore
from knowledge_base import ContentStore
from tests.editor.conftest import PASSWORD, Client, csrf_of, serve, sign_in

PIZZA = "/admin/waste-items/pizza-box"


def published_disposal(store: ContentStore, item_id: str) -> str:
    _, content = store.published()
    return next(i.disposal for i in content.waste_items if i.id == item_id)


def pizza_form(token: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "name": "pizza boxes",
        "synonyms": "pizza box, pizza boxes, greasy pizza box, dirty pizza box",
        "disposal": "blue_box",
        "tip": "Only clean boxes with no grease.",
    }
    return {**form, **changes}


def field_block(page: str, dom_id: str) -> str:
    """The HTML of the form field whose input has id `dom_id` (its label, hint, errors)."""
    start = page.rindex('<div class="field', 0, page.index(f'id="{dom_id}"'))
    return page[start : page.index("</div>", start)]


async def test_signed_out_pages_send_to_sign_in(client: Client) -> None:
    for path in ("/admin", "/admin/", "/admin/waste-items?q=box", PIZZA, "/admin/history",
                 "/admin/history/1", "/admin/audit", "/admin/publish", "/admin/try",
                 "/admin/no-such-page"):  # fmt: skip
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        location = response.headers["Location"]
        assert location.startswith("/admin/sign-in" if path != "/admin" else "/admin/"), location
    followed = await client.get("/admin/waste-items?q=box")
    assert followed.url.path == "/admin/sign-in"
    assert "<h1>Sign in</h1>" in await followed.text()


async def test_signed_out_post_changes_nothing(client: Client, content_store: ContentStore) -> None:
    before = len(content_store.revisions())
    for path in (PIZZA, "/admin/publish", "/admin/history/1/rollback"):
        response = await client.post(path, data=pizza_form("x"), allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"].startswith("/admin/sign-in")
    assert len(content_store.revisions()) == before


async def test_sign_in_returns_to_the_page_asked_for(client: Client) -> None:
    page = await client.get("/admin/history")  # redirected to sign-in with next=/admin/history
    response = await client.post(
        "/admin/sign-in",
        data={"name": "erin", "password": PASSWORD, "next": "/admin/history",
              "csrf_token": csrf_of(await page.text())},
    )  # fmt: skip
    assert response.url.path == "/admin/history"
    assert "Signed in as <strong>erin</strong>" in await response.text()


async def test_sign_in_never_redirects_off_site(client: Client) -> None:
    page = await client.get("/admin/sign-in")
    response = await client.post(
        "/admin/sign-in",
        data={"name": "erin", "password": PASSWORD, "next": "//evil.example/admin/",
              "csrf_token": csrf_of(await page.text())},
        allow_redirects=False,
    )  # fmt: skip
    assert response.status == 303
    assert response.headers["Location"] == "/admin/"


async def test_wrong_password_is_refused_without_saying_which_part(client: Client) -> None:
    page = await client.get("/admin/sign-in")
    token = csrf_of(await page.text())
    wrong = await client.post(
        "/admin/sign-in", data={"name": "erin", "password": "not it at all", "csrf_token": token}
    )
    unknown = await client.post(
        "/admin/sign-in", data={"name": "nobody", "password": PASSWORD, "csrf_token": token}
    )
    for response in (wrong, unknown):
        assert response.status == 401
        assert "That account name and password do not match." in await response.text()
    assert "durham311_editor" not in client.session.cookie_jar.filter_cookies(
        client.make_url("/admin/")
    )


async def test_session_cookie_is_http_only_same_site_and_expires(client: Client) -> None:
    page = await client.get("/admin/sign-in")
    response = await client.post(
        "/admin/sign-in",
        data={"name": "erin", "password": PASSWORD, "csrf_token": csrf_of(await page.text())},
        allow_redirects=False,
    )
    cookie = next(
        c for c in response.headers.getall("Set-Cookie") if c.startswith("durham311_editor=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/admin" in cookie
    assert "Max-Age=28800" in cookie  # eight hours
    assert "Secure" not in cookie  # plain http here; see the next test for https


async def test_cookies_are_secure_when_told_the_site_is_https(
    content_store: ContentStore, accounts: AccountStore
) -> None:
    async with serve(content_store, accounts, secure_cookies=True) as client:
        page = await client.get("/admin/sign-in")
        assert "Secure" in page.headers["Set-Cookie"]
        # The test client (plain http) rightly keeps no Secure cookie, so post the token
        # as a browser on https would, cookie and form field together.
        token = csrf_of(await page.text())
        response = await client.post(
            "/admin/sign-in",
            data={"name": "erin", "password": PASSWORD, "csrf_token": token},
            cookies={"durham311_editor_sign_in": token},
            allow_redirects=False,
        )
        assert response.status == 303
        assert "Secure" in response.headers["Set-Cookie"]


async def test_sign_in_form_without_its_token_is_refused(client: Client) -> None:
    await client.get("/admin/sign-in")
    response = await client.post("/admin/sign-in", data={"name": "erin", "password": PASSWORD})
    assert response.status == 403
    assert "Form not accepted" in await response.text()


async def test_forged_post_without_csrf_token_is_refused(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "paul")
    before = len(content_store.revisions())
    no_token = {k: v for k, v in pizza_form(token).items() if k != "csrf_token"}
    for data in (no_token, pizza_form("forged-" + token[:10])):
        response = await client.post(PIZZA, data=data)
        assert response.status == 403
        assert "did not come from a page of the content editor" in await response.text()
    publish = await client.post("/admin/publish", data={"draft_id": "1"})
    assert publish.status == 403
    assert len(content_store.revisions()) == before
    assert published_disposal(content_store, "pizza-box") == "green_bin"


async def test_editor_saves_a_draft_residents_do_not_hear(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    response = await client.post(PIZZA, data=pizza_form(token, note="grease-free boxes"))
    assert response.status == 200
    assert response.url.path == PIZZA
    page = await response.text()
    assert "Saved as draft revision 2" in page
    assert "Put pizza boxes in your blue box. Only clean boxes with no grease." in page
    assert published_disposal(content_store, "pizza-box") == "green_bin"  # not yet published
    listing = await (await client.get("/admin/waste-items?filter=blue_box&q=pizza")).text()
    assert "pizza boxes" in listing
    assert "Changed in draft" in listing


async def test_editor_cannot_publish_and_is_told_why(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    await client.post(PIZZA, data=pizza_form(token))
    review = await client.get("/admin/publish")
    assert "Publishing needs the publisher role" in await review.text()
    response = await client.post("/admin/publish", data={"csrf_token": token, "draft_id": "2"})
    assert response.status == 403
    page = await response.text()
    assert "Only publishers can publish" in page
    assert "You are signed in as erin, an editor." in page
    assert published_disposal(content_store, "pizza-box") == "green_bin"


async def test_publisher_publishes_the_draft(client: Client, content_store: ContentStore) -> None:
    token = await sign_in(client, "erin")
    await client.post(PIZZA, data=pizza_form(token))
    await client.post("/admin/sign-out", data={"csrf_token": token})
    token = await sign_in(client, "paul")
    review = await (await client.get("/admin/publish")).text()
    assert "Green bin" in review and "Blue box" in review
    response = await client.post("/admin/publish", data={"csrf_token": token, "draft_id": "2"})
    assert response.url.path == "/admin/history"
    assert "Published revision 2" in await response.text()
    assert published_disposal(content_store, "pizza-box") == "blue_box"
    audit = await (await client.get("/admin/audit")).text()
    assert "Where it goes: Green bin → Blue box" in html.unescape(audit)
    assert re.search(r"<td>paul</td><td>published</td><td>revision 2</td>", audit)


async def test_a_stale_review_publishes_nothing(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "paul")
    await client.post(PIZZA, data=pizza_form(token))
    await client.post(PIZZA, data=pizza_form(token, disposal="garbage"))  # revision 3
    response = await client.post("/admin/publish", data={"csrf_token": token, "draft_id": "2"})
    assert response.status == 409
    assert published_disposal(content_store, "pizza-box") == "green_bin"


async def test_history_diff_and_rollback_for_publishers_only(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "paul")
    await client.post(PIZZA, data=pizza_form(token))
    await client.post("/admin/publish", data={"csrf_token": token, "draft_id": "2"})
    diff = html.unescape(await (await client.get("/admin/history/2")).text())
    assert "Changes since revision 1" in diff
    assert "Waste item: <q>pizza boxes</q>" in diff
    assert "<del>Green bin</del>" in diff and "<ins>Blue box</ins>" in diff
    await client.post("/admin/sign-out", data={"csrf_token": token})

    token = await sign_in(client, "erin")
    refused = await client.post("/admin/history/1/rollback", data={"csrf_token": token})
    assert refused.status == 403
    assert published_disposal(content_store, "pizza-box") == "blue_box"
    await client.post("/admin/sign-out", data={"csrf_token": token})

    token = await sign_in(client, "paul")
    rolled = await client.post("/admin/history/1/rollback", data={"csrf_token": token})
    assert "Rolled back: revision 3 is published." in await rolled.text()
    assert published_disposal(content_store, "pizza-box") == "green_bin"


async def test_bad_form_keeps_what_was_typed_and_names_each_field(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    long_tip = "Rinse it first. " + " ".join(["word"] * 70)
    typed = pizza_form(
        token,
        name="cardboard boxes",  # another item's name
        synonyms="pizza box, za box",
        tip=long_tip + " Take it to the HHW depot on Ritson Rd. or see https://durham.ca/waste",
    )
    before = len(content_store.revisions())
    response = await client.post(PIZZA, data=typed)
    assert response.status == 422
    page = await response.text()
    name = field_block(page, "f-name")
    assert 'value="cardboard boxes"' in name
    assert "is already used by the item" in html.unescape(name)
    assert 'aria-invalid="true"' in name
    tip = html.unescape(field_block(page, "f-tip"))
    assert "words: a spoken answer must be 60 words or fewer" in tip
    assert '"HHW" is an abbreviation; write "household hazardous waste".' in tip
    assert '"Rd." is an abbreviation; write "Road".' in tip
    assert "web or email address" in tip
    assert html.unescape(page).count(typed["tip"]) == 1  # the textarea keeps every word
    assert 'value="pizza box, za box"' in page or ">pizza box, za box</textarea>" in page
    assert "things to fix before saving" in page
    assert len(content_store.revisions()) == before


async def test_alert_that_ends_before_it_starts_is_refused_next_to_the_field(
    client: Client, content_store: ContentStore
) -> None:
    token = await sign_in(client, "erin")
    form = {"csrf_token": token, "title": "Water main repair on Simcoe Street",
            "municipality": "oshawa", "starts": "2026-12-10", "ends": "2026-12-01",
            "message": "Simcoe Street is down to one lane."}  # fmt: skip
    response = await client.post("/admin/alerts/new", data=form)
    assert response.status == 422
    ends = field_block(await response.text(), "f-ends")
    assert "The alert ends (2026-12-01) before it starts (2026-12-10)." in ends
    assert 'value="2026-12-01"' in ends
    fixed = await client.post("/admin/alerts/new", data={**form, "ends": "2026-12-20"})
    assert fixed.url.path == "/admin/alerts/water-main-repair-on-simcoe-street"
    assert len(content_store.revisions()) == 2


async def test_faq_answer_over_sixty_words_is_refused(client: Client) -> None:
    token = await sign_in(client, "erin")
    answer = " ".join(["Call 311."] * 31)
    response = await client.post(
        "/admin/faq/new",
        data={"csrf_token": token, "question": "How do I get a green bin?",
              "keywords": "new green bin, replace green bin", "answer": answer},
    )  # fmt: skip
    assert response.status == 422
    assert "62 words: a spoken answer must be 60 words or fewer (cut 2)." in field_block(
        await response.text(), "f-answer"
    )


async def test_try_it_answers_from_the_draft(client: Client) -> None:
    token = await sign_in(client, "erin")
    await client.post(PIZZA, data=pizza_form(token))
    response = await client.post(
        "/admin/try", data={"csrf_token": token, "utterance": "where does a pizza box go"}
    )
    assert 'id="reply">Put pizza boxes in your blue box. Only clean boxes' in await response.text()


async def test_sign_in_is_rate_limited_per_account_and_address(client: Client) -> None:
    page = await client.get("/admin/sign-in")
    token = csrf_of(await page.text())
    for _ in range(5):
        wrong = await client.post(
            "/admin/sign-in",
            data={"name": "erin", "password": "guess guess guess", "csrf_token": token},
        )
        assert wrong.status == 401
    blocked = await client.post(
        "/admin/sign-in", data={"name": "erin", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in await blocked.text()
    other = await client.post(
        "/admin/sign-in", data={"name": "paul", "password": PASSWORD, "csrf_token": token}
    )
    assert other.status == 200 and "Signed in as <strong>paul</strong>" in await other.text()


async def test_sessions_end_when_idle_or_too_old(
    content_store: ContentStore, accounts: AccountStore
) -> None:
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
    async with serve(content_store, accounts, clock=lambda: now[0],
                     session_idle=timedelta(minutes=30),
                     session_lifetime=timedelta(hours=2)) as client:  # fmt: skip
        await sign_in(client, "erin")
        for _ in range(4):  # active every 25 minutes: the idle limit never bites...
            now[0] += timedelta(minutes=25)
            assert (await client.get("/admin/history")).url.path == "/admin/history"
        now[0] += timedelta(minutes=25)  # ...but two hours after sign-in the session is over
        expired = await client.get("/admin/history")
        assert expired.url.path == "/admin/sign-in"
        assert "Your session has ended" in await expired.text()

        await sign_in(client, "erin")
        now[0] += timedelta(minutes=31)
        assert (await client.get("/admin/history")).url.path == "/admin/sign-in"


async def test_sign_out_ends_the_session_for_good(client: Client) -> None:
    token = await sign_in(client, "erin")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/admin/"))
    stolen = cookie["durham311_editor"].value
    response = await client.post("/admin/sign-out", data={"csrf_token": token})
    assert "You have signed out." in await response.text()
    replayed = await client.get(
        "/admin/history", cookies={"durham311_editor": stolen}, allow_redirects=False
    )
    assert replayed.status == 303


async def test_disabling_an_account_ends_its_sessions(
    client: Client, accounts: AccountStore
) -> None:
    await sign_in(client, "erin")
    await accounts.disable("erin")
    response = await client.get("/admin/history")
    assert response.url.path == "/admin/sign-in"
    page = await client.get("/admin/sign-in")
    refused = await client.post(
        "/admin/sign-in",
        data={"name": "erin", "password": PASSWORD, "csrf_token": csrf_of(await page.text())},
    )
    assert refused.status == 401


async def test_pages_carry_security_headers(client: Client) -> None:
    for response in (await client.get("/admin/sign-in"),
                     await client.get("/admin/history", allow_redirects=False)):  # fmt: skip
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    css = await client.get("/admin/static/editor.css")
    assert css.status == 200 and "focus-visible" in await css.text()


async def test_admins_manage_accounts_and_others_may_not(
    client: Client, accounts: AccountStore
) -> None:
    token = await sign_in(client, "erin")
    refused = await client.post(
        "/admin/accounts",
        data={"csrf_token": token, "action": "add", "name": "mallory", "role": "admin",
              "password": PASSWORD},
    )  # fmt: skip
    assert refused.status == 403
    assert await accounts.get("mallory") is None
    await client.post("/admin/sign-out", data={"csrf_token": token})

    token = await sign_in(client, "ada")
    short = await client.post(
        "/admin/accounts",
        data={"csrf_token": token, "action": "add", "name": "sam", "role": "editor",
              "password": "short"},
    )  # fmt: skip
    assert short.status == 422
    assert "The password must be at least 12 characters." in await short.text()
    added = await client.post(
        "/admin/accounts",
        data={"csrf_token": token, "action": "add", "name": "sam", "role": "editor",
              "password": PASSWORD},
    )  # fmt: skip
    assert "Account sam updated." in await added.text()
    await client.post("/admin/accounts", data={"csrf_token": token, "action": "role",
                                                "name": "sam", "role": "publisher"})  # fmt: skip
    await client.post("/admin/accounts", data={"csrf_token": token, "action": "disable",
                                                "name": "erin"})  # fmt: skip
    own = await client.post("/admin/accounts", data={"csrf_token": token, "action": "disable",
                                                      "name": "ada"})  # fmt: skip
    assert own.status == 409
    assert [(a.name, a.role, a.disabled) for a in await accounts.all()] == [
        ("ada", "admin", False),
        ("erin", "editor", True),
        ("paul", "publisher", False),
        ("sam", "publisher", False),
    ]
    log = html.unescape(await (await client.get("/admin/audit?actor=ada")).text())
    assert "<td>disabled account</td><td>account erin</td>" in log


async def test_changing_your_password_signs_you_out(client: Client) -> None:
    token = await sign_in(client, "erin")
    wrong = await client.post(
        "/admin/password",
        data={"csrf_token": token, "current": "not my password", "new": "a new long password",
              "again": "a new long password"},
    )  # fmt: skip
    assert wrong.status == 422
    assert "That is not your current password." in await wrong.text()
    changed = await client.post(
        "/admin/password",
        data={"csrf_token": token, "current": PASSWORD, "new": "a new long password",
              "again": "a new long password"},
    )  # fmt: skip
    assert changed.url.path == "/admin/sign-in"
    assert "Your password is changed." in await changed.text()
    assert (await client.get("/admin/history")).url.path == "/admin/sign-in"
    await sign_in(client, "erin", "a new long password")
