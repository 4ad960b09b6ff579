"""`durham311 users`: the first admin is made here, and can then sign in to the editor."""

from __future__ import annotations

import argparse
import asyncio
import io
from pathlib import Path

import pytest

from editor.accounts import open_accounts
from skill import users_cli
from skill.errors import SkillError
from skill.settings import Settings
from tests.editor.conftest import PASSWORD


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="durham311")
    users_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(content_db=tmp_path / "content.sqlite3")


def run(settings: Settings, *argv: str, stdin: str = "", answers: tuple[str, ...] = ()) -> int:
    replies = iter(answers)
    source = Terminal() if answers else io.StringIO(stdin)
    return users_cli.run(parse(*argv), settings, stdin=source, prompt=lambda _: next(replies))


def verify(settings: Settings, name: str, password: str) -> str | None:
    """The role `name` signs in with, or None if that password does not sign in."""

    async def check() -> str | None:
        accounts = open_accounts(database_url=None, sqlite_path=users_cli.editor_db_path(settings))
        try:
            found = await accounts.verify(name, password)
            return None if found is None else found.role
        finally:
            await accounts.close()

    return asyncio.run(check())


def test_add_passwd_disable(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, "users", "add", "ada", "--role", "admin", stdin=PASSWORD + "\n") == 0
    assert "added ada (admin)" in capsys.readouterr().out
    assert verify(settings, "ada", PASSWORD) == "admin"

    new = "a different long password"
    assert run(settings, "users", "passwd", "ada", answers=(new, new)) == 0
    assert verify(settings, "ada", PASSWORD) is None
    assert verify(settings, "ada", new) == "admin"

    run(settings, "users", "disable", "ada")
    assert verify(settings, "ada", new) is None
    run(settings, "users", "list")
    assert "ada                      admin      disabled" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "stdin", "answers", "message"),
    [
        (
            ("add", "ada", "--role", "owner"),
            PASSWORD,
            (),
            "--role must be one of editor, publisher",
        ),
        (("add", "Ada Lovelace", "--role", "admin"), PASSWORD, (), "lower-case letters"),
        (("add", "ada", "--role", "admin"), "short\n", (), "at least 12 characters"),
        (("add", "ada", "--role", "admin"), "", (), "no password on standard input"),
        (("add", "ada", "--role", "admin"), "", (PASSWORD, PASSWORD + "x"), "passwords differ"),
        (("passwd", "nobody"), PASSWORD, (), "no account named 'nobody'"),
        (("disable", "nobody"), "", (), "no account named 'nobody'"),
    ],
)
def test_bad_input_is_one_clear_error(
    settings: Settings, argv: tuple[str, ...], stdin: str, answers: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SkillError, match=message):
        run(settings, "users", *argv, stdin=stdin, answers=answers)


def test_a_taken_name_is_refused(settings: Settings) -> None:
    run(settings, "users", "add", "ada", "--role", "admin", stdin=PASSWORD)
    with pytest.raises(SkillError, match="an account named 'ada' already exists"):
        run(settings, "users", "add", "ada", "--role", "editor", stdin=PASSWORD)
