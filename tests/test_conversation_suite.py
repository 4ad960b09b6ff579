"""The independent conversation suite (issue 8): frozen, so a rate is kept, not every file.

Its files were written by a helper who never read the dialog code; a few expect what the
content does not say (see the README). The floor is the one promised: 95% pass.
"""

from pathlib import Path

from skill.console import load_script, play
from skill.services import Core
from tests.conftest import TORONTO

SUITE = sorted((Path(__file__).parent / "conversations_suite").glob("*.yaml"))


async def test_the_conversation_suite_passes_at_least_95_percent(core: Core) -> None:
    assert len(SUITE) >= 150
    failed: list[str] = []
    for path in SUITE:
        lines: list[str] = []
        outcome = await play(core.dialog, load_script(path, TORONTO), out=lines.append)
        if not outcome.passed:
            failed.append(f"{path.stem}: {outcome.problems[0]}")
    rate = 1 - len(failed) / len(SUITE)
    print(f"conversation suite: {len(SUITE) - len(failed)} passed, {len(failed)} failed")
    assert rate >= 0.95, "\n".join(failed)
