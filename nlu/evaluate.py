"""Evaluation of any engine on a held-out Rasa NLU file.

Reported figures are the ones the targets are written in: intent accuracy,
macro F1, per-intent precision and recall, the confusions, entity precision and
recall per type, and the two recalls that matter most for residents: emergency
(someone in danger) and out-of-scope (we must not guess).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from nlu.catalogue import EMERGENCY_INTENT, FALLBACK_INTENT
from nlu.engine import NLUEngine
from nlu.normalize import normalize
from nlu.training_data import TrainingData


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(slots=True)
class Report:
    engine: str
    examples: int
    accuracy: float
    macro_f1: float
    intents: dict[str, Score] = field(default_factory=dict)
    entities: dict[str, Score] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    emergency_recall: float | None = None
    out_of_scope_recall: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_text(self) -> str:
        lines = [
            f"engine: {self.engine}   examples: {self.examples}",
            f"intent accuracy: {self.accuracy:.1%}   macro F1: {self.macro_f1:.3f}",
            f"emergency recall: {_pct(self.emergency_recall)}   "
            f"out-of-scope recall: {_pct(self.out_of_scope_recall)}",
            "",
            f"{'intent':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>5}",
        ]
        lines += [_row(name, s) for name, s in sorted(self.intents.items())]
        lines += ["", f"{'entity':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>5}"]
        lines += [_row(name, s) for name, s in sorted(self.entities.items())]
        if self.confusions:
            lines += ["", "confusions (expected -> predicted: count):"]
            lines += [f"  {gold} -> {pred}: {n}" for gold, pred, n in self.confusions]
        return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _row(name: str, s: Score) -> str:
    return f"{name:<20} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>5}"


async def evaluate(engine: NLUEngine, data: TrainingData) -> Report:
    gold_intents: list[str] = []
    predicted: list[str] = []
    ent_tp: Counter[str] = Counter()
    ent_fp: Counter[str] = Counter()
    ent_fn: Counter[str] = Counter()
    errors: list[dict[str, str]] = []
    for ex in data.examples:
        parse = await engine.parse(ex.text)
        gold_intents.append(ex.intent)
        predicted.append(parse.intent.name)
        if parse.intent.name != ex.intent:
            errors.append({"text": ex.text, "expected": ex.intent, "predicted": parse.intent.name})
        gold = {(a.entity, _canon(a.value)) for a in ex.entities}
        found = {(e.entity, _canon(e.value)) for e in parse.entities}
        for entity, _ in gold & found:
            ent_tp[entity] += 1
        for entity, _ in found - gold:
            ent_fp[entity] += 1
        for entity, _ in gold - found:
            ent_fn[entity] += 1
    intents = _scores(gold_intents, predicted)
    correct = sum(g == p for g, p in zip(gold_intents, predicted, strict=True))
    confusions = Counter((g, p) for g, p in zip(gold_intents, predicted, strict=True) if g != p)
    return Report(
        engine=engine.name,
        examples=len(gold_intents),
        accuracy=correct / len(gold_intents) if gold_intents else 0.0,
        macro_f1=sum(s.f1 for s in intents.values()) / len(intents) if intents else 0.0,
        intents=intents,
        entities={
            e: _score(ent_tp[e], ent_fp[e], ent_fn[e])
            for e in sorted(set(ent_tp) | set(ent_fn) | set(ent_fp))
        },
        confusions=[(g, p, n) for (g, p), n in confusions.most_common()],
        errors=errors,
        emergency_recall=_recall(intents, EMERGENCY_INTENT),
        out_of_scope_recall=_recall(intents, FALLBACK_INTENT),
    )


_ARTICLES = ("the ", "a ", "an ")


def _canon(value: str) -> str:
    """Compare span values as spoken forms: 'The One Twenty Three King St.' == '123 king st'."""
    text = normalize(value).text
    for article in _ARTICLES:
        text = text.removeprefix(article)
    return text


def _scores(gold: list[str], predicted: list[str]) -> dict[str, Score]:
    scores = {}
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        scores[label] = _score(tp, fp, fn)
    return scores


def _score(tp: int, fp: int, fn: int) -> Score:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(round(precision, 4), round(recall, 4), round(f1, 4), tp + fn)


def _recall(scores: dict[str, Score], label: str) -> float | None:
    return scores[label].recall if label in scores else None
