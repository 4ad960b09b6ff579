"""The editor's two middlewares and the helpers every page uses to answer.

`guard` finds the session behind the cookie, sends a signed-out request to sign-in,
and refuses a POST whose CSRF token is missing or wrong, before any page code runs.
`error_pages` turns whatever goes wrong into a page in plain words (never a stack
trace) and puts the security headers on every response, redirects included.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from editor.errors import DatabaseError
from editor.forms import SECTIONS
from editor.security import CSRF_FIELD, SESSION_COOKIE, SIGN_IN_COOKIE, tokens_match
from editor.state import EDITOR, SESSION, Editor
from knowledge_base.errors import StoreError

log = logging.getLogger(__name__)

PUBLIC_ROUTES = frozenset({"sign_in", "static"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_MESSAGES = {
    400: ("Bad request", "The page could not understand that request."),
    403: ("Not allowed", "You do not have permission to do that."),
    404: ("Not found", "There is no such page in the content editor."),
    405: ("Not allowed", "That page cannot be used this way."),
    413: ("Too large", "What you sent is too large."),
}
Handler = Any  # aiohttp's middleware handler type


def page(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """A rendered page with what the layout needs (who is signed in, the CSRF token)."""
    session = request.get(SESSION)
    base = {
        "session": session,
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.csrf_token if session else "",
        "sections": SECTIONS,
        "route": request.match_info.route.name,
        "working": None,
    }
    return aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)


def refusal(request: web.Request, status: int, title: str, message: str) -> web.Response:
    return page(request, "error.html", {"title": title, "message": message}, status=status)


def prefix(request: web.Request) -> str:
    """Where the editor is mounted ("/admin"), for cookie paths and redirects."""
    return str(request.app.router["index"].url_for()).rstrip("/") or "/"


def secure(request: web.Request) -> bool:
    configured = request.app[EDITOR].secure_cookies
    return request.secure if configured is None else configured


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, **options: Any
) -> None:
    response.set_cookie(
        name, value, path=prefix(request), secure=secure(request), httponly=True, **options
    )


def see_other(location: str) -> web.Response:
    """After a POST, or to send someone elsewhere: the browser GETs `location`."""
    return web.Response(status=303, headers={"Location": location})


def sign_in_url(request: web.Request, *, next_path: str | None, reason: str | None) -> str:
    query = {k: v for k, v in (("next", next_path), ("reason", reason)) if v}
    return str(request.app.router["sign_in"].url_for().with_query(query))


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            exc.headers.update(HEADERS)
            raise
        title, message = _MESSAGES.get(exc.status, ("Error", exc.reason))
        response = refusal(request, exc.status, title, message)
    except (StoreError, DatabaseError) as exc:
        log.error("editor storage unavailable on %s: %s", request.path, exc)
        response = refusal(request, 503, "Unavailable",
                           "The content or account store is not answering. Nothing was changed; "
                           "try again in a minute.")  # fmt: skip
    except Exception:
        log.exception("unexpected error in the editor on %s", request.path)
        response = refusal(request, 500, "Something went wrong",
                           "Nothing was changed. Try again, and tell the service team if it "
                           "happens again.")  # fmt: skip
    response.headers.update(HEADERS)
    if request.match_info.route.name != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    editor: Editor = request.app[EDITOR]
    if request.path == prefix(request):  # "/admin" without its slash: the editor's front page
        return see_other(str(request.app.router["index"].url_for()))
    token = request.cookies.get(SESSION_COOKIE)
    session = await editor.sessions.find(token)
    if session is not None:
        request[SESSION] = session
    route = request.match_info.route.name
    if route in PUBLIC_ROUTES:
        if route == "sign_in" and request.method not in SAFE_METHODS:
            form = await request.post()
            field = form.get(CSRF_FIELD)
            if not tokens_match(request.cookies.get(SIGN_IN_COOKIE), _text(field)):
                return _forged(request)
        response: web.StreamResponse = await handler(request)
        return response
    if session is None:
        next_path = request.path_qs if request.method in SAFE_METHODS else None
        response = see_other(
            sign_in_url(request, next_path=next_path, reason="expired" if token else None)
        )
        if token:
            response.del_cookie(SESSION_COOKIE, path=prefix(request))
        return response
    if request.method not in SAFE_METHODS:
        form = await request.post()
        if not tokens_match(session.csrf_token, _text(form.get(CSRF_FIELD))):
            return _forged(request)
    return await handler(request)  # type: ignore[no-any-return]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _forged(request: web.Request) -> web.Response:
    return refusal(
        request,
        403,
        "Form not accepted",
        "This form did not come from a page of the content editor you have open, or that "
        "page is too old. Nothing was changed. Go back, reload the page and try again.",
    )
