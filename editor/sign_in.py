"""Signing in and out.

A wrong name and a wrong password get the same answer, after the same work, so the
page does not tell which names exist. Too many failures for one name from one address
lock that pair out for a while (429), whatever the password then.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from editor.accounts import MAX_PASSWORD
from editor.guard import page, prefix, see_other, set_cookie
from editor.security import SESSION_COOKIE, SIGN_IN_COOKIE, new_token, safe_next
from editor.state import EDITOR, SESSION

_REASONS = {
    "expired": "Your session has ended. Please sign in again.",
    "signed_out": "You have signed out.",
    "password_changed": "Your password is changed. Sign in with the new one.",
}


async def sign_in_form(request: web.Request) -> web.StreamResponse:
    if request.get(SESSION) is not None:
        return see_other(_next(request, request.query.get("next")))
    reason = _REASONS.get(request.query.get("reason", ""))
    return _form(request, name="", next_path=request.query.get("next", ""), notice=reason,
                 error=None, status=200)  # fmt: skip


async def sign_in(request: web.Request) -> web.StreamResponse:
    editor = request.app[EDITOR]
    form = await request.post()
    name = str(form.get("name", "")).strip().lower()
    password = str(form.get("password", ""))
    next_path = str(form.get("next", ""))
    target = _next(request, next_path or None)
    address = request.remote or "unknown"
    if not name or not password:
        return _form(request, name=name, next_path=next_path, notice=None, status=400,
                     error="Enter your account name and your password.")  # fmt: skip
    wait = await editor.limiter.retry_after(name, address)
    if wait is not None:
        await _record_failure(request, name, "sign-in refused: too many failed attempts")
        return _form(request, name=name, next_path=next_path, notice=None, status=429,
                     error=f"Too many failed sign-ins. Try again in {_minutes(wait)}.")  # fmt: skip
    account = await editor.accounts.verify(name, password[: MAX_PASSWORD + 1])
    if account is None:
        await editor.limiter.failed(name, address)
        await _record_failure(request, name, "sign-in failed")
        return _form(request, name=name, next_path=next_path, notice=None, status=401,
                     error="That account name and password do not match.")  # fmt: skip
    await editor.limiter.succeeded(name, address)
    token, _ = await editor.sessions.start(account)
    await editor.audit.record(account.name, "signed in", f"account {account.name}")
    response = see_other(target)
    lifetime = int(editor.sessions.lifetime.total_seconds())
    set_cookie(request, response, SESSION_COOKIE, token, max_age=lifetime, samesite="Lax")
    response.del_cookie(SIGN_IN_COOKIE, path=prefix(request))
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    editor = request.app[EDITOR]
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await editor.sessions.end(token)
    await editor.audit.record(request[SESSION].account.name, "signed out",
                              f"account {request[SESSION].account.name}")  # fmt: skip
    response = see_other(str(request.app.router["sign_in"].url_for().with_query(
        reason="signed_out")))  # fmt: skip
    response.del_cookie(SESSION_COOKIE, path=prefix(request))
    return response


async def _record_failure(request: web.Request, name: str, action: str) -> None:
    """Failures are audited under the account's name only if it exists: what was typed
    into the name field is sometimes a password."""
    editor = request.app[EDITOR]
    subject = f"account {name}" if await editor.accounts.get(name) else "an unknown account name"
    await editor.audit.record("-", action, subject)


def _form(
    request: web.Request,
    *,
    name: str,
    next_path: str,
    notice: str | None,
    error: str | None,
    status: int,
) -> web.StreamResponse:
    """The sign-in page, with a fresh double-submit token in a cookie and in the form."""
    token = request.cookies.get(SIGN_IN_COOKIE) or new_token()
    response = page(request, "sign_in.html", {
        "name": name,
        "notice": notice,
        "error": error,
        "next": next_path,
        "sign_in_token": token,
    }, status=status)  # fmt: skip
    set_cookie(request, response, SIGN_IN_COOKIE, token, samesite="Strict")
    return response


def _next(request: web.Request, target: str | None) -> str:
    default = str(request.app.router["index"].url_for())
    return safe_next(target, prefix=prefix(request) + "/", default=default)


def _minutes(wait: timedelta) -> str:
    minutes = max(1, round(wait.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
