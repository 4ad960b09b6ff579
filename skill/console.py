"""The text console: talk to the assistant as a resident would, and see what it understood.

Interactive mode prints the spoken reply, then a line with intent, confidence,
entities and time taken. `--script FILE` plays a conversation file and stops at
the first turn whose intent or reply differs from what the file expects.

A conversation file (YAML):

    description: emergencies are answered first
    now: 2026-11-23T10:00:00      # optional: fixes the clock (America/Toronto unless offset)
    turns:
      - say: there's a fire in my kitchen
        intent: emergency           # optional: expected NLU intent
        reply_contains: [9-1-1]     # optional: words the reply must contain (case-insensitive)
        reply_excludes: [submitted] # optional: words it must not contain
        ends_session: true          # optional
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml

from fulfillment.dialog import DialogManager, TurnResult
from fulfillment.types import Turn
from skill.errors import SkillError

_TURN_KEYS = {"say", "intent", "reply_contains", "reply_excludes", "ends_session"}


class ScriptError(SkillError):
    """A conversation file is malformed; the message names the file and the turn."""


@dataclass(frozen=True, slots=True)
class ScriptTurn:
    say: str
    intent: str | None = None
    reply_contains: tuple[str, ...] = ()
    reply_excludes: tuple[str, ...] = ()
    ends_session: bool | None = None


@dataclass(frozen=True, slots=True)
class Script:
    path: Path
    description: str
    turns: tuple[ScriptTurn, ...]
    now: datetime | None = None


@dataclass(slots=True)
class ScriptOutcome:
    passed: bool
    turns_run: int
    problems: list[str] = field(default_factory=list)


def describe(result: TurnResult) -> str:
    """The second console line: what the NLU understood and how long the turn took."""
    parse = result.parse
    if parse is None:
        return f"  [launch]  {result.elapsed_ms:.1f} ms"
    entities = ", ".join(f"{e.entity}={e.value!r}" for e in parse.entities) or "no entities"
    return (
        f"  [{parse.intent.name} {parse.intent.confidence:.2f}]  {entities}  "
        f"{result.elapsed_ms:.1f} ms"
    )


async def interactive(dialog: DialogManager, *, stdin: TextIO = sys.stdin,
                      stdout: TextIO = sys.stdout) -> None:  # fmt: skip
    session_id = f"console-{uuid.uuid4()}"
    print("Durham Region 311 console. Type what a resident would say; Ctrl-D to quit.", file=stdout)
    while True:
        print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print(file=stdout)
            return
        if not line.strip():
            continue
        result = await dialog.handle(
            Turn(platform="console", session_id=session_id, text=line.strip())
        )
        print(result.reply.speech or "(no speech)", file=stdout)
        print(describe(result), file=stdout)
        if result.reply.end_session:
            print("  (session ended; a new one starts with your next line)", file=stdout)
            session_id = f"console-{uuid.uuid4()}"


def load_script(path: Path, zone: ZoneInfo) -> Script:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ScriptError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("turns"), list) or not doc["turns"]:
        raise ScriptError(f"{path}: expected a mapping with a non-empty `turns` list")
    return Script(
        path=path,
        description=str(doc.get("description", path.stem)),
        turns=tuple(_script_turn(path, i, t) for i, t in enumerate(doc["turns"], 1)),
        now=_script_now(path, doc.get("now"), zone),
    )


def _script_now(path: Path, value: Any, zone: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    try:
        now = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise ScriptError(f"{path}: `now` must be an ISO date-time, got {value!r}") from None
    return now if now.tzinfo else now.replace(tzinfo=zone)


def _script_turn(path: Path, number: int, raw: Any) -> ScriptTurn:
    where = f"{path}: turn {number}"
    if not isinstance(raw, dict) or not isinstance(raw.get("say"), str):
        raise ScriptError(f"{where}: needs `say` text")
    unknown = set(raw) - _TURN_KEYS
    if unknown:
        raise ScriptError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("reply_contains", "reply_excludes"):
        if not isinstance(raw.get(key, []), list):
            raise ScriptError(f"{where}: `{key}` must be a list of words")
    return ScriptTurn(
        say=raw["say"],
        intent=raw.get("intent"),
        reply_contains=tuple(str(w) for w in raw.get("reply_contains", [])),
        reply_excludes=tuple(str(w) for w in raw.get("reply_excludes", [])),
        ends_session=raw.get("ends_session"),
    )


async def play(dialog: DialogManager, script: Script, *,
               out: Callable[[str], None] = print) -> ScriptOutcome:  # fmt: skip
    """Play every turn in one session; stop at the first mismatch and say what differed."""
    session_id = f"script-{uuid.uuid4()}"
    saved_clock = dialog.clock
    if script.now is not None:
        fixed = script.now
        dialog.clock = lambda: fixed
    try:
        for number, expected in enumerate(script.turns, 1):
            result = await dialog.handle(
                Turn(platform="console", session_id=session_id, text=expected.say)
            )
            out(f"> {expected.say}")
            out(result.reply.speech)
            out(describe(result))
            problems = check_turn(expected, result)
            if problems:
                for problem in problems:
                    out(f"MISMATCH at turn {number}: {problem}")
                return ScriptOutcome(False, number, problems)
        return ScriptOutcome(True, len(script.turns))
    finally:
        dialog.clock = saved_clock


def check_turn(expected: ScriptTurn, result: TurnResult) -> list[str]:
    problems = []
    speech = result.reply.speech.lower()
    got_intent = result.parse.intent.name if result.parse else None
    if expected.intent is not None and got_intent != expected.intent:
        problems.append(f"expected intent {expected.intent!r}, got {got_intent!r}")
    problems += [f"reply lacks {w!r}: {result.reply.speech!r}"
                 for w in expected.reply_contains if w.lower() not in speech]  # fmt: skip
    problems += [f"reply must not contain {w!r}: {result.reply.speech!r}"
                 for w in expected.reply_excludes if w.lower() in speech]  # fmt: skip
    if expected.ends_session is not None and result.reply.end_session != expected.ends_session:
        problems.append(
            f"expected ends_session={expected.ends_session}, got {result.reply.end_session}"
        )
    return problems
