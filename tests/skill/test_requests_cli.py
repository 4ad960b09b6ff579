"""`durham311 requests list / show / update` on a real store file chosen by the settings."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from open311.store import SqliteRequestStore
from open311.types import NewRequest
from skill.cli import main
from tests.conftest import MONDAY_MORNING


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DURHAM311_SETTINGS", "DURHAM311_REQUESTS_DB", "DURHAM311_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "settings.toml"
    path.write_text(f'requests_db = "{tmp_path / "requests.sqlite3"}"\nlog_level = "WARNING"\n')
    return path


@pytest.fixture
def request_ids(tmp_path: Path, settings_file: Path) -> list[str]:
    """Three requests in the file the settings name: pothole, graffiti, pothole (newest)."""

    async def seed() -> list[str]:
        store = SqliteRequestStore(tmp_path / "requests.sqlite3")
        try:
            ids = []
            for hours, new in enumerate(
                [
                    NewRequest("pothole", address_string="100 Simcoe St N", description="Deep"),
                    NewRequest("graffiti", lat=43.9, long=-78.86),
                    NewRequest("pothole", address_string="5 King St E", description="Wide"),
                ]
            ):
                created = await store.create(
                    new,
                    service_name=new.service_code.title(),
                    idempotency_key=None,
                    now=MONDAY_MORNING + timedelta(hours=hours),
                    with_token=False,
                )
                ids.append(created.request.service_request_id)
            return ids
        finally:
            await store.close()

    return asyncio.run(seed())


def run(settings_file: Path, *args: str) -> int:
    return main(["--settings", str(settings_file), "requests", *args])


def test_list_shows_requests_newest_first_and_filters(
    settings_file: Path, request_ids: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    first, graffiti, last = request_ids
    assert run(settings_file, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [last, graffiti, first]
    assert "pothole" in lines[0] and "Wide" in lines[0]

    assert run(settings_file, "list", "--service", "graffiti") == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == [graffiti]
    assert run(settings_file, "list", "--limit", "1") == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == [last]
    assert run(settings_file, "list", "--status", "closed") == 0
    assert capsys.readouterr().out.strip() == "no service requests"


def test_update_changes_what_show_prints(
    settings_file: Path, request_ids: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = request_ids[0]
    assert run(settings_file, "show", request_id) == 0
    before = capsys.readouterr().out
    assert "status: open" in before and "expected: -" in before
    assert "location: 100 Simcoe St N" in before

    code = run(settings_file, "update", request_id, "--status", "closed", "--note",
               "Filled on Tuesday", "--expected", "2026-12-01")  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.startswith(f"updated {request_id}\n")

    assert run(settings_file, "show", request_id) == 0
    after = capsys.readouterr().out
    assert "status: closed" in after
    assert "status_notes: Filled on Tuesday" in after
    assert "expected: 2026-12-01 00:00 EST" in after
    assert run(settings_file, "list", "--status", "closed") == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == [request_id]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "999"], "no service request '999'"),
        (["show", "abc"], "no service request 'abc'"),
        (["update", "999", "--status", "closed"], "no service request '999'"),
        (["update", "{id}", "--status", "pending"], "status must be open or closed"),
        (["update", "{id}", "--expected", "next tuesday"], "--expected must be a date"),
        (["update", "{id}", "--expected", "2026-02-30"], "--expected must be a date"),
        (["update", "{id}"], "nothing to update"),
        (["list", "--status", "pending"], "status must be open or closed"),
        (["list", "--limit", "lots"], "--limit must be a whole number"),
        (["list", "--limit", "5000"], "--limit must be a whole number"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    settings_file: Path,
    request_ids: list[str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    args = [a.replace("{id}", request_ids[0]) for a in args]
    assert run(settings_file, *args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("error: ") and message in line
    # nothing changed
    assert run(settings_file, "show", request_ids[0]) == 0
    assert "status: open" in capsys.readouterr().out
