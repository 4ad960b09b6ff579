"""One test per conversation file: the console's script runner against the real core."""

from pathlib import Path

import pytest

from skill.cli import staff_runner
from skill.console import load_script, play
from skill.services import Core
from tests.conftest import TORONTO

CONVERSATIONS = sorted((Path(__file__).parent / "conversations").glob("*.yaml"))


@pytest.mark.parametrize("path", CONVERSATIONS, ids=[p.stem for p in CONVERSATIONS])
async def test_conversation(core: Core, path: Path) -> None:
    lines: list[str] = []
    script = load_script(path, TORONTO)
    outcome = await play(core.dialog, script, out=lines.append, staff=staff_runner(core.settings))
    assert outcome.passed, "\n".join(lines)
    assert outcome.turns_run == len(load_script(path, TORONTO).turns)
