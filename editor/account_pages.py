"""Accounts in the editor: admins add staff, change roles and disable accounts; everyone
can change their own password.

The command line (`durham311 users`) does the same for the first admin and for
recovery. An admin cannot disable or demote themself here, so the editor always keeps
at least the admin who is using it.
"""

from __future__ import annotations

from aiohttp import web

from editor.accounts import ROLES, Account, check_name, check_password, check_role
from editor.errors import AccountError
from editor.guard import page, prefix, refusal, see_other
from editor.security import SESSION_COOKIE
from editor.state import EDITOR, SESSION


def _admin(request: web.Request) -> Account | None:
    account = request[SESSION].account
    return account if account.can_manage_accounts else None


async def accounts_page(request: web.Request) -> web.StreamResponse:
    if _admin(request) is None:
        return _not_admin(request)
    return await _accounts(request, values={"name": "", "role": "editor"}, errors={})


async def accounts_change(request: web.Request) -> web.StreamResponse:
    """One form per action: add, role, disable, enable (the `action` field says which)."""
    admin = _admin(request)
    if admin is None:
        return _not_admin(request)
    editor = request.app[EDITOR]
    form = await request.post()
    action = str(form.get("action", ""))
    name = str(form.get("name", "")).strip().lower()
    role = str(form.get("role", ""))
    if action == "add":
        return await _add(request, admin, name, role, str(form.get("password", "")))
    if name == admin.name:
        return refusal(request, 409, "Not on your own account",
                       "Ask another admin to change your role or disable your account, so "
                       "the editor always keeps an admin.")  # fmt: skip
    try:
        if action == "role":
            await editor.accounts.set_role(name, check_role(role))
            await editor.audit.record(admin.name, "changed role", f"account {name}", role)
        elif action == "disable":
            await editor.accounts.disable(name)
            await editor.audit.record(admin.name, "disabled account", f"account {name}")
        elif action == "enable":
            await editor.accounts.enable(name)
            await editor.audit.record(admin.name, "enabled account", f"account {name}")
        else:
            return refusal(request, 400, "Bad request", "That is not something this page does.")
    except AccountError as exc:
        return refusal(request, 400, "Not changed", str(exc))
    return see_other(str(request.app.router["accounts"].url_for().with_query(done=name)))


async def _add(
    request: web.Request, admin: Account, name: str, role: str, password: str
) -> web.StreamResponse:
    editor = request.app[EDITOR]
    errors: dict[str, str] = {}
    for field, check, value in (("name", check_name, name), ("role", check_role, role),
                                ("password", check_password, password)):  # fmt: skip
        try:
            check(value)
        except AccountError as exc:
            errors[field] = str(exc)[0].upper() + str(exc)[1:] + "."
    if not errors:
        try:
            await editor.accounts.add(name, password, role=role)
        except AccountError as exc:
            errors["name"] = str(exc)[0].upper() + str(exc)[1:] + "."
    if errors:
        return await _accounts(request, values={"name": name, "role": role}, errors=errors,
                               status=422)  # fmt: skip
    await editor.audit.record(admin.name, "added account", f"account {name}", role)
    return see_other(str(request.app.router["accounts"].url_for().with_query(done=name)))


async def _accounts(
    request: web.Request, *, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> web.Response:
    return page(request, "accounts.html", {
        "accounts": await request.app[EDITOR].accounts.all(),
        "roles": ROLES,
        "values": values,
        "errors": errors,
        "done": request.query.get("done"),
    }, status=status)  # fmt: skip


def _not_admin(request: web.Request) -> web.Response:
    return refusal(request, 403, "Only admins manage accounts",
                   "Ask an admin to add an account or change a role.")  # fmt: skip


async def password_page(request: web.Request) -> web.StreamResponse:
    return page(request, "password.html", {"errors": {}})


async def password_change(request: web.Request) -> web.StreamResponse:
    """A new password for the signed-in account; every session of it ends, this one too."""
    editor = request.app[EDITOR]
    account = request[SESSION].account
    form = await request.post()
    current, new = str(form.get("current", "")), str(form.get("new", ""))
    errors: dict[str, str] = {}
    if await editor.accounts.verify(account.name, current) is None:
        errors["current"] = "That is not your current password."
    try:
        check_password(new)
    except AccountError as exc:
        errors["new"] = str(exc)[0].upper() + str(exc)[1:] + "."
    if not errors and new != str(form.get("again", "")):
        errors["again"] = "The two new passwords differ."
    if errors:
        return page(request, "password.html", {"errors": errors}, status=422)
    await editor.accounts.set_password(account.name, new)
    await editor.audit.record(account.name, "changed password", f"account {account.name}")
    response = see_other(str(request.app.router["sign_in"].url_for().with_query(
        reason="password_changed")))  # fmt: skip
    response.del_cookie(SESSION_COOKIE, path=prefix(request))
    return response
