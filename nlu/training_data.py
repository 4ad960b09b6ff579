"""Reading Rasa NLU YAML (version "3.1"): intents, inline entity annotations, synonyms.

The same file trains our engine and a Rasa server, so we read Rasa's format as
Rasa does and reject what it would reject, with the file and example named.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.errors import TrainingDataError

# Rasa's inline annotation: [text](entity), [text](entity:value) or [text]{"entity": ..}
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)|(?P<json>\{[^}]+?\}))"
)


@dataclass(frozen=True, slots=True)
class Annotation:
    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    entities: tuple[Annotation, ...] = ()


@dataclass(slots=True)
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    # canonical value -> surface forms, as in Rasa's `synonym:` blocks
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    # lookup table name -> entries
    lookups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})

    def closed_set_values(self) -> dict[str, set[str]]:
        """entity -> every canonical value an annotation gave it."""
        values: dict[str, set[str]] = {}
        for ex in self.examples:
            for ann in ex.entities:
                values.setdefault(ann.entity, set()).add(ann.value)
        return values


def load(path: Path) -> TrainingData:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainingDataError(f"{path}: cannot read: {exc}") from exc
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{path}: not valid YAML: {exc}") from exc
    return parse_document(doc, source=str(path))


def parse_document(doc: Any, *, source: str = "<data>") -> TrainingData:
    if not isinstance(doc, dict) or not isinstance(doc.get("nlu"), list):
        raise TrainingDataError(f"{source}: expected a mapping with an `nlu:` list (Rasa 3 format)")
    data = TrainingData()
    for index, block in enumerate(doc["nlu"]):
        where = f"{source}: nlu[{index}]"
        if not isinstance(block, dict):
            raise TrainingDataError(f"{where}: expected a mapping, got {type(block).__name__}")
        if not {"intent", "synonym", "lookup", "regex"} & set(block):
            raise TrainingDataError(f"{where}: needs one of intent, synonym, lookup or regex")
        if "regex" in block:
            continue  # regex features are Rasa-only; accepted and ignored
        lines = list(_example_lines(block.get("examples"), where))
        if "intent" in block:
            intent = _name(block["intent"], where)
            data.examples.extend(parse_example(line, intent, where) for line in lines)
        elif "synonym" in block:
            data.synonyms.setdefault(_name(block["synonym"], where), []).extend(lines)
        else:
            data.lookups.setdefault(_name(block["lookup"], where), []).extend(lines)
    if not data.examples:
        raise TrainingDataError(f"{source}: no intent examples found")
    return data


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str | int) or not str(value).strip():
        raise TrainingDataError(f"{where}: name must be a non-empty string")
    return str(value).strip()


def _example_lines(examples: Any, where: str) -> Iterator[str]:
    if isinstance(examples, str):
        items: Iterable[Any] = examples.splitlines()
    elif isinstance(examples, list):  # the long form: [{text: ..., metadata: ...}]
        items = [e.get("text", "") if isinstance(e, dict) else e for e in examples]
        items = [f"- {e}" for e in items]
    else:
        raise TrainingDataError(f"{where}: `examples` must be a block of '- ' lines")
    for line in items:
        line = str(line).strip()
        if not line:
            continue
        if not line.startswith("-"):
            raise TrainingDataError(f"{where}: example line must start with '- ': {line!r}")
        text = line[1:].strip()
        if text:
            yield text


def parse_example(line: str, intent: str, where: str = "<example>") -> Example:
    """Strip inline annotations, keeping their spans in the plain text."""
    plain: list[str] = []
    annotations: list[Annotation] = []
    cursor = 0
    length = 0
    for match in _ANNOTATION.finditer(line):
        before = line[cursor : match.start()]
        plain.append(before)
        length += len(before)
        span_text = match.group("text")
        entity, value = _entity_and_value(match, span_text, where)
        annotations.append(Annotation(entity, value, length, length + len(span_text)))
        plain.append(span_text)
        length += len(span_text)
        cursor = match.end()
    plain.append(line[cursor:])
    text = "".join(plain)
    if "[" in text and "](" in line[cursor:]:
        raise TrainingDataError(f"{where}: malformed entity annotation in {line!r}")
    return Example(text=text, intent=intent, entities=tuple(annotations))


def _entity_and_value(match: re.Match[str], span_text: str, where: str) -> tuple[str, str]:
    if match.group("json"):
        try:
            spec = json.loads(match.group("json"))
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"{where}: bad entity JSON {match.group('json')!r}") from exc
        if not isinstance(spec, dict) or not isinstance(spec.get("entity"), str):
            raise TrainingDataError(f"{where}: entity JSON needs an 'entity' string")
        return spec["entity"], str(spec.get("value", span_text))
    return match.group("entity").strip(), (match.group("value") or span_text).strip()
