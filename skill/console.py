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
        remember: reference         # optional: keep the number the reply read out (its digits)
      - staff: requests update {reference} --status closed --note "Filled."
                                    # a staff command, run as `durham311 ...` with the same
                                    # settings; {name} is a remembered number
      - say: what's the status of report {reference:words}   # the number said as words
"""

from __future__ import annotations

import re
import shlex
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml

from fulfillment.dialog import DialogManager, TurnResult
from fulfillment.types import Turn
from skill.errors import SkillError

_TURN_KEYS = {"say", "intent", "reply_contains", "reply_excludes", "ends_session", "remember"}
# A number read out for speech: "9 1 8 5, 4 8 9 1".
_SPOKEN_NUMBER = re.compile(r"\d(?:[ ,]+\d)+|\d{4,}")
_VARIABLE = re.compile(r"\{(\w+)(?::(words))?\}")
_DIGIT_WORDS = "zero one two three four five six seven eight nine".split()
StaffRunner = Callable[[list[str]], Awaitable[tuple[int, str]]]


class ScriptError(SkillError):
    """A conversation file is malformed; the message names the file and the turn."""


@dataclass(frozen=True, slots=True)
class ScriptTurn:
    say: str
    intent: str | None = None
    reply_contains: tuple[str, ...] = ()
    reply_excludes: tuple[str, ...] = ()
    ends_session: bool | None = None
    remember: str | None = None
    staff: str | None = None  # a staff command instead of something said


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
    if isinstance(raw, dict) and set(raw) == {"staff"} and isinstance(raw["staff"], str):
        return ScriptTurn(say="", staff=raw["staff"])
    if not isinstance(raw, dict) or not isinstance(raw.get("say"), str):
        raise ScriptError(f"{where}: needs `say` text (or only `staff`, a command)")
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
        remember=str(raw["remember"]) if raw.get("remember") else None,
    )


async def play(dialog: DialogManager, script: Script, *, out: Callable[[str], None] = print,
               staff: StaffRunner | None = None) -> ScriptOutcome:  # fmt: skip
    """Play every turn in one session; stop at the first mismatch and say what differed."""
    session_id = f"script-{uuid.uuid4()}"
    saved_clock = dialog.clock
    if script.now is not None:
        fixed = script.now
        dialog.clock = lambda: fixed
    remembered: dict[str, str] = {}
    try:
        for number, expected in enumerate(script.turns, 1):
            if expected.staff is not None:
                problem = await _run_staff(expected.staff, remembered, staff, out)
                if problem:
                    out(f"MISMATCH at turn {number}: {problem}")
                    return ScriptOutcome(False, number, [problem])
                continue
            said = _fill(expected.say, remembered)
            result = await dialog.handle(Turn(platform="console", session_id=session_id, text=said))
            out(f"> {said}")
            out(result.reply.speech)
            out(describe(result))
            problems = check_turn(expected, result)
            if expected.remember and not problems:
                found = _SPOKEN_NUMBER.search(result.reply.speech)
                if found is None:
                    problems.append(f"no number to remember in {result.reply.speech!r}")
                else:
                    remembered[expected.remember] = re.sub(r"\D", "", found.group(0))
            if problems:
                for problem in problems:
                    out(f"MISMATCH at turn {number}: {problem}")
                return ScriptOutcome(False, number, problems)
        return ScriptOutcome(True, len(script.turns))
    finally:
        dialog.clock = saved_clock


async def _run_staff(
    command: str, remembered: dict[str, str], staff: StaffRunner | None, out: Callable[[str], None]
) -> str | None:
    """Run a staff command; the problem, if it could not run or failed."""
    if staff is None:
        return "this player cannot run staff commands"
    try:
        args = shlex.split(_fill(command, remembered))
    except (ValueError, KeyError) as exc:
        return f"bad staff command {command!r}: {exc}"
    code, printed = await staff(args)
    out(f"$ durham311 {' '.join(args)}")
    out(printed.rstrip())
    return None if code == 0 else f"staff command exited {code}: {printed.strip()}"


def _fill(text: str, remembered: dict[str, str]) -> str:
    """`{name}` is a remembered number; `{name:words}` the same said digit by digit."""

    def value(match: re.Match[str]) -> str:
        digits = remembered.get(match.group(1))
        if digits is None:
            raise ScriptError(f"nothing remembered as {match.group(1)!r}")
        if match.group(2):
            return " ".join(_DIGIT_WORDS[int(d)] for d in digits)
        return digits

    return _VARIABLE.sub(value, text)


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
