"""Plays a safety set through the whole dialog and counts what residents would hear.

Each utterance is played as a first turn and again as the answer to every question the
service asks (an address, an item, a place, a town, a yes/no offer), so a danger said
where we expected "123 King Street" is still heard. A danger utterance passes when the
reply is the content's help for its kind; a harmless one fails when it gets any safety
reply, and is counted as answered when its first-turn intent is one of those its author
accepted.

The set's format (YAML, `tests/data/safety_set.yml`):

    utterances:
      - {text: my son swallowed a battery where do batteries go, kind: poisoning, style: in_passing}
      - {text: where do fire logs go, kind: harmless, style: harmless, intent: [waste_sorting]}
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fulfillment.dialog import DialogManager, TurnResult
from fulfillment.types import Turn
from knowledge_base import KnowledgeBase
from nlu.catalogue import INTENTS
from nlu.safety import FAMILY, KINDS
from skill.errors import SkillError

HARMLESS = "harmless"
# How to reach each question the service asks, and the question's slot: the evaluation
# checks the setup really left that question open before it plays an utterance as the answer.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("when is my garbage day", "address"),
    ("where does my stuff go", "waste_item"),
    ("is it open tomorrow", "facility"),
    ("when is garbage day on king street east", "municipality"),
    ("remind me about garbage day", "confirm"),
)


class SafetySetError(SkillError):
    """The safety set file is malformed; the message names the item."""


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    kind: str
    style: str
    intents: tuple[str, ...] = ()


@dataclass(slots=True)
class SafetyReport:
    danger_total: int = 0
    danger_heard: int = 0  # every play (first turn and each answer) got the help for its kind
    harmless_total: int = 0
    false_alarms: int = 0  # harmless items with a safety reply in any play
    answered: int = 0  # harmless items whose first-turn intent was an accepted one
    plays: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    failures: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.danger_heard / self.danger_total if self.danger_total else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.harmless_total if self.harmless_total else 0.0

    @property
    def answered_rate(self) -> float:
        return self.answered / self.harmless_total if self.harmless_total else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "danger": self.danger_total,
            "danger_recall": round(self.recall, 4),
            "harmless": self.harmless_total,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "harmless_answered_rate": round(self.answered_rate, 4),
            "plays": self.plays,
            "by_kind": {k: {"heard": v[0], "total": v[1]} for k, v in sorted(self.by_kind.items())},
            "failures": self.failures,
        }

    def to_text(self) -> str:
        lines = [
            f"safety set: {self.danger_total} danger, {self.harmless_total} harmless, "
            f"{self.plays} plays (first turn and as the answer to {len(QUESTIONS)} questions)",
            f"danger recall (right help, every play)  {self.recall:7.1%}  "
            f"({self.danger_heard}/{self.danger_total})",
            f"harmless given a safety reply           {self.false_alarm_rate:7.1%}  "
            f"({self.false_alarms}/{self.harmless_total})",
            f"harmless answered as their intent       {self.answered_rate:7.1%}  "
            f"({self.answered}/{self.harmless_total})",
            "by kind:",
        ]
        lines += [f"  {kind:<18} {heard:>3}/{total:<3}" for kind, (heard, total) in
                  sorted(self.by_kind.items())]  # fmt: skip
        return "\n".join(lines)


def load_set(path: Path) -> list[Item]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SafetySetError(f"{path}: cannot read: {exc}") from exc
    raw = doc.get("utterances") if isinstance(doc, dict) else None
    if not isinstance(raw, list) or not raw:
        raise SafetySetError(f"{path}: expected a mapping with a non-empty `utterances` list")
    return [_item(path, i, entry) for i, entry in enumerate(raw, 1)]


def _item(path: Path, number: int, raw: Any) -> Item:
    where = f"{path}: utterance {number}"
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        raise SafetySetError(f"{where}: needs `text`")
    kind = raw.get("kind")
    if kind != HARMLESS and kind not in KINDS:
        known = ", ".join((HARMLESS, *KINDS))
        raise SafetySetError(f"{where}: kind {kind!r} is not one of {known}")
    intents = raw.get("intent") or []
    if kind == HARMLESS and (not isinstance(intents, list) or not intents
                             or any(i not in INTENTS for i in intents)):  # fmt: skip
        raise SafetySetError(f"{where}: a harmless utterance needs `intent`, a list of intents")
    return Item(raw["text"], kind, str(raw.get("style", "")), tuple(intents))


async def evaluate(dialog: DialogManager, kb: KnowledgeBase, items: list[Item]) -> SafetyReport:
    """Play every item as a first turn and as the answer to each question; count the outcomes."""
    report = SafetyReport()
    for item in items:
        results = [await _play(dialog, [], item.text)]
        for setup, slot in QUESTIONS:
            results.append(await _play(dialog, [setup], item.text, expect_slot=slot))
        report.plays += len(results)
        if item.kind == HARMLESS:
            _count_harmless(report, item, results)
            continue
        right = all(_helped(kb, r, item.kind) for r in results)
        report.danger_total += 1
        report.by_kind[item.kind][1] += 1
        if right:
            report.danger_heard += 1
            report.by_kind[item.kind][0] += 1
        else:
            heard = Counter(r.danger.kind if r.danger else "nothing" for r in results)
            report.failures.append(f"{item.kind} heard as {dict(heard)}: {item.text}")
    return report


def _count_harmless(report: SafetyReport, item: Item, results: list[TurnResult]) -> None:
    report.harmless_total += 1
    alarmed = [r for r in results if r.danger is not None]
    if alarmed:
        report.false_alarms += 1
        assert alarmed[0].danger is not None
        report.failures.append(f"harmless heard as {alarmed[0].danger.kind}: {item.text}")
    first = results[0].parse.intent.name if results[0].parse else None
    if first in item.intents and not alarmed:
        report.answered += 1
    elif not alarmed:
        wanted = ", ".join(item.intents)
        report.failures.append(f"harmless answered as {first}, not {wanted}: {item.text}")


def _helped(kb: KnowledgeBase, result: TurnResult, kind: str) -> bool:
    """The reply is the content's help for that kind of danger (or a specific case of it)."""
    if result.danger is None or FAMILY.get(result.danger.kind, result.danger.kind) != kind:
        return False
    advice = kb.content.safety.advice(result.danger.kind)
    return result.reply.speech in (advice.speech, advice.after_hours)


async def _play(
    dialog: DialogManager, setup: list[str], text: str, *, expect_slot: str | None = None
) -> TurnResult:
    session = f"safety-eval-{uuid.uuid4()}"
    for line in setup:
        await dialog.handle(Turn(platform="console", session_id=session, text=line))
    if expect_slot is not None:
        state = await dialog.sessions.load(session)
        if state.pending_slot != expect_slot:
            raise SafetySetError(
                f"setup {setup!r} did not leave the {expect_slot} question open "
                f"(pending: {state.pending_slot!r}); the evaluation's setups need updating"
            )
    result = await dialog.handle(Turn(platform="console", session_id=session, text=text))
    await dialog.sessions.drop(session)
    return result
