"""`durham311 users`: create and look after the content editor's staff accounts.

This is how the first admin is made (`durham311 users add NAME --role admin`), and how
an account is recovered when its password is lost. Passwords are never arguments (they
would stay in the shell's history and the process list): they are prompted for twice on
a terminal, or read as one line from standard input in scripts. Bad input raises
`SkillError`, which the CLI prints as one `error: ...` line with exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from editor.accounts import ROLES, AccountStore, check_name, check_password, open_accounts
from editor.audit import AuditLog
from editor.errors import EditorError
from skill.errors import SkillError
from skill.settings import Settings

ACTOR = "command line"  # who the audit log names for changes made here


def editor_db_path(settings: Settings) -> Path:
    """The editor's SQLite file: beside the content store, as the service opens it."""
    return settings.content_db.with_name("editor.sqlite3")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `users` command and its add / passwd / disable / list subcommands."""
    users = commands.add_parser(
        "users",
        help="create and manage the content editor's staff accounts",
        description="Staff accounts of the content editor (the editor.sqlite3 file beside "
        "the content store, or PostgreSQL when database_url is set). Passwords are prompted "
        "for, or read as one line from standard input.",
    )
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account")
    add.add_argument("name", help="the account name staff sign in with")
    add.add_argument("--role", required=True, help=f"one of {', '.join(ROLES)}")
    passwd = actions.add_parser("passwd", help="set a new password (ends the account's sessions)")
    passwd.add_argument("name")
    disable = actions.add_parser("disable", help="stop an account signing in (ends its sessions)")
    disable.add_argument("name")
    actions.add_parser("list", help="list accounts and their roles")


def run(
    args: argparse.Namespace,
    settings: Settings,
    *,
    stdin: TextIO | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
) -> int:
    """Run one `users` subcommand; names, roles and passwords are checked before the
    database is opened."""
    for line in asyncio.run(perform(args, settings, stdin=stdin or sys.stdin, prompt=prompt)):
        print(line)
    return 0


async def perform(
    args: argparse.Namespace,
    settings: Settings,
    *,
    stdin: TextIO,
    prompt: Callable[[str], str],
) -> list[str]:
    command = args.users_command
    password = None
    if command != "list":
        _checked(check_name, args.name)
    if command == "add" and args.role not in ROLES:
        raise SkillError(f"--role must be one of {', '.join(ROLES)}, not {args.role!r}")
    if command in ("add", "passwd"):
        password = _checked(check_password, _read_password(stdin, prompt))
    accounts = open_accounts(database_url=settings.database_url,
                             sqlite_path=editor_db_path(settings))  # fmt: skip
    try:
        return await _perform(command, args, password, accounts)
    except EditorError as exc:
        raise SkillError(str(exc)) from exc
    finally:
        await accounts.close()


async def _perform(
    command: str, args: argparse.Namespace, password: str | None, accounts: AccountStore
) -> list[str]:
    audit = AuditLog(accounts.database)
    if command == "list":
        found = await accounts.all()
        return [
            f"{a.name:<24} {a.role:<10} {'disabled' if a.disabled else 'active'}" for a in found
        ] or ["no accounts yet: create the first with `durham311 users add NAME --role admin`"]
    if command == "add":
        assert password is not None
        account = await accounts.add(args.name, password, role=args.role)
        await audit.record(ACTOR, "added account", f"account {account.name}", account.role)
        return [f"added {account.name} ({account.role}); sign in at /admin/sign-in"]
    if command == "passwd":
        assert password is not None
        await accounts.set_password(args.name, password)
        await audit.record(ACTOR, "changed password", f"account {args.name}")
        return [f"password changed for {args.name}; their open sessions have ended"]
    await accounts.disable(args.name)
    await audit.record(ACTOR, "disabled account", f"account {args.name}")
    return [f"disabled {args.name}; their open sessions have ended"]


def _read_password(stdin: TextIO, prompt: Callable[[str], str]) -> str:
    """Twice at a terminal (a typo would lock the account out); one line from a pipe."""
    if stdin.isatty():
        first = prompt("Password: ")
        if prompt("Password again: ") != first:
            raise SkillError("the two passwords differ; nothing was changed")
        return first
    line = stdin.readline()
    if not line:
        raise SkillError("no password on standard input")
    return line.rstrip("\r\n")


def _checked(check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except EditorError as exc:
        raise SkillError(str(exc)) from exc
