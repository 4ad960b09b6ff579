"""Entity extraction: phrase patterns, knowledge-base gazetteers and spoken addresses.

Closed-set entities come from the training data's annotations and synonym
blocks, matched by spaCy's EntityRuler with the canonical value as the pattern
id, so "recycling" gives `blue_box`. Waste items, facilities and streets come
from the knowledge base at load time (`Gazetteers`), so what content staff add
is recognised without retraining. Addresses and request numbers follow spoken
patterns rather than lists, so they have a small component of their own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nlu.catalogue import CLOSED_SETS
from nlu.errors import NLUError
from nlu.normalize import normalize
from nlu.training_data import TrainingData

SPOKEN_ENTITIES = "durham311_spoken_entities"
SPOKEN_PATTERNS_FILE = Path(__file__).parent / "data" / "spoken_patterns.yml"

DATE_PHRASES = (
    "today", "tonight", "tomorrow", "yesterday", "this week", "next week", "this weekend",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "this monday", "this tuesday", "this wednesday", "this thursday", "this friday",
    "this saturday", "this sunday", "next monday", "next tuesday", "next wednesday",
    "next thursday", "next friday", "next saturday", "next sunday",
    "christmas", "christmas day", "christmas eve", "boxing day", "new year's day",
    "new year's eve", "new years day", "family day", "good friday", "easter monday",
    "victoria day", "canada day", "civic holiday", "labour day", "thanksgiving",
    "remembrance day", "the holiday", "the long weekend",
)  # fmt: skip

STREET_SUFFIXES = frozenset(
    """street st road rd avenue ave drive dr crescent cres court ct boulevard blvd lane ln way
    place pl trail trl circle parkway pkwy line sideroad terrace square gate grove heights
    path""".split()
)
# Words that are street suffixes but also everyday words ("the right way", "in line"):
# they make an address only after a house number (known streets come from the gazetteer).
AMBIGUOUS_SUFFIXES = frozenset("way line gate path square place court circle heights grove".split())
DIRECTIONS = frozenset("""north south east west n s e w""".split())
_NUMBERED_ROADS = {("highway",), ("regional", "road"), ("concession", "road"), ("concession",)}
# Words that end a street name when walking back from its suffix.
_NOT_NAME = frozenset(
    """a an the my our your their his her its this that these those on at in of to for near by
    from with and or is are was were be been there here it i we you they he she me us him
    them what when where which who how why do does did can could would should will about
    outside front behind across beside past into onto off up down over under pothole hole
    potholes bin bins garbage recycling light streetlight signal sign tree water sewer snow
    graffiti sidewalk report reporting problem issue broken big huge deep dumped dumping
    leak leaking blocked missed pickup collection live lives living house home address
    corner intersection main right wrong best easiest easy fastest other same any every one
    no proper correct only""".split()
)


@dataclass(frozen=True, slots=True)
class Gazetteers:
    """Phrases from the knowledge base, as residents say them (lower case)."""

    waste_items: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()


def phrase_patterns(data: TrainingData) -> list[dict[str, Any]]:
    """EntityRuler patterns for every closed-set value: its name, synonyms and annotated forms."""
    closed = set(CLOSED_SETS) | {
        ann.entity for ex in data.examples for ann in ex.entities if ann.value in data.synonyms
    }
    entity_of = {value: entity for entity, values in CLOSED_SETS.items() for value in values}
    surfaces: set[tuple[str, str, str]] = set()
    for ex in data.examples:
        for ann in ex.entities:
            if ann.entity in closed:
                entity_of.setdefault(ann.value, ann.entity)
                surfaces.add((ex.text[ann.start : ann.end], ann.entity, ann.value))
    for value, entity in entity_of.items():
        for form in [value.replace("_", " "), *data.synonyms.get(value, [])]:
            surfaces.add((form, entity, value))
    patterns: dict[tuple[str, str], dict[str, Any]] = {}
    for surface, entity, value in sorted(surfaces):
        _pattern(patterns, surface, entity, value)
    return list(patterns.values())


# One-word item names that are everyday words elsewhere ("can i phone someone", "book a
# pickup"): as gazetteer entries they would fire everywhere. Sentence frames still catch
# them in a waste question ("where does an old phone go").
EVERYDAY_WORDS = frozenset(
    """phone phones gas book books mail empty empties leftover leftovers leave leaves stick
    sticks sheet sheets mouse monitor pad pads pen pens pot pots straw stain bow bows belt
    letter letters dust sink speaker receiver radio annual annuals depends fat oil paper
    glass metal food sharp sharps pill cake fish rock rocks stone sand dirt grill iron
    chip chips gum brush drill plate""".split()
)


def gazetteer_patterns(
    gazetteers: Gazetteers, *, taken: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Patterns for knowledge-base phrases, except those another pattern (`taken`) owns."""
    patterns: dict[tuple[str, str], dict[str, Any]] = {}
    for entity, phrases in (
        ("waste_item", gazetteers.waste_items),
        ("facility", gazetteers.facilities),
        ("address", gazetteers.streets),
    ):
        for phrase in phrases:
            text = normalize(phrase).text
            if text in taken or (entity == "waste_item" and text in EVERYDAY_WORDS):
                continue
            _pattern(patterns, phrase, entity, None)
    return list(patterns.values())


def date_patterns() -> list[dict[str, Any]]:
    patterns: dict[tuple[str, str], dict[str, Any]] = {}
    for phrase in DATE_PHRASES:
        _pattern(patterns, phrase, "date", None)
    return list(patterns.values())


def _pattern(
    patterns: dict[tuple[str, str], dict[str, Any]], phrase: str, entity: str, value: str | None
) -> None:
    text = normalize(phrase).text
    if not text:
        return
    pattern: dict[str, Any] = {"label": entity, "pattern": text}
    if value is not None:
        pattern["id"] = value
    patterns.setdefault((entity, text), pattern)


@dataclass(frozen=True, slots=True)
class SpokenPatterns:
    """The compiled contents of `nlu/data/spoken_patterns.yml`."""

    issue_types: tuple[tuple[str, re.Pattern[str]], ...]
    facility: re.Pattern[str]
    item_frames: tuple[re.Pattern[str], ...]
    dates: re.Pattern[str]


@functools.cache
def spoken_patterns(path: Path = SPOKEN_PATTERNS_FILE) -> SpokenPatterns:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        issue_types = tuple(
            (value, re.compile(rf"\b(?:{pattern})\b"))
            for value, patterns in doc["issue_type"].items()
            for pattern in patterns
        )
        heads = "|".join(f"(?:{h})" for h in doc["facility_heads"])
        facility = re.compile(rf"\b(?:{heads})\b")
        frames = tuple(re.compile(rf"\b{frame}") for frame in doc["waste_item_frames"])
        dates = re.compile(rf"\b(?:{'|'.join(f'(?:{d})' for d in doc['date_patterns'])})\b")
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError, re.error) as exc:
        raise NLUError(f"{path}: bad spoken patterns: {exc}") from exc
    return SpokenPatterns(issue_types, facility, frames, dates)


@Language.component(SPOKEN_ENTITIES)
def spoken_entities(doc: Doc) -> Doc:
    """Add what follows spoken patterns to what the EntityRuler found; longer spans win."""
    patterns = spoken_patterns()
    found = list(_join_intersections(doc, list(_street_spans(doc))))
    taken = {i for s in [*found, *doc.ents] if s.label_ == "address" for i in range(s.start, s.end)}
    found.extend(
        Span(doc, tok.i, tok.i + 1, label="request_number")
        for tok in doc
        if tok.text.isdigit() and len(tok.text) >= 4 and tok.i not in taken
    )
    labels = {ent.label_ for ent in doc.ents}
    text = doc.text  # spaCy rebuilds it from the tokens on every access: once per doc
    if "issue_type" not in labels:
        found.extend(_issue_types(doc, text, patterns))
    found.extend(_facilities(doc, text, patterns))
    found.extend(_items(doc, text, patterns))
    found.extend(_char_spans(doc, text, patterns.dates, "date"))
    doc.ents = filter_spans([*doc.ents, *found])
    return doc


def _char_spans(doc: Doc, text: str, pattern: re.Pattern[str], label: str,
                group: int | str = 0, span_id: str = "") -> Iterator[Span]:  # fmt: skip
    for match in pattern.finditer(text):
        start, end = match.span(group)
        span = doc.char_span(start, end, label=label, alignment_mode="expand", span_id=span_id)
        if span is not None and len(span):
            yield span


def _issue_types(doc: Doc, text: str, patterns: SpokenPatterns) -> Iterator[Span]:
    for value, pattern in patterns.issue_types:
        for span in _char_spans(doc, text, pattern, "issue_type", span_id=value):
            yield span
            return  # one described problem is enough: the first pattern that matches names it


def _facilities(doc: Doc, text: str, patterns: SpokenPatterns) -> Iterator[Span]:
    """A facility head ("transfer station"), with the place name said just before it."""
    place_ending_at = {ent.end: ent.start for ent in doc.ents if ent.label_ == "municipality"}
    for span in _char_spans(doc, text, patterns.facility, "facility"):
        yield Span(doc, place_ending_at.get(span.start, span.start), span.end, label="facility")


_NOT_ITEMS = frozenset("it this that there today tomorrow tonight day week pickup stuff".split())


def _items(doc: Doc, text: str, patterns: SpokenPatterns) -> Iterator[Span]:
    for frame in patterns.item_frames:
        for span in _char_spans(doc, text, frame, "waste_item", group="item"):
            words = [t.text for t in span]
            if 0 < len(words) <= 6 and not set(words) <= _NOT_ITEMS | _NOT_NAME:
                yield span
            return


def _street_spans(doc: Doc) -> Iterator[Span]:
    words = [t.text for t in doc]
    for i, word in enumerate(words):
        end = None
        if word in STREET_SUFFIXES and i > 0:
            start = i
            while start > 0 and i - start < 3 and _name_word(words[start - 1]):
                start -= 1
            if start == i:
                continue
            end = i + 1
        elif any(tuple(words[i : i + len(r)]) == r for r in _NUMBERED_ROADS):
            size = next(
                len(r)
                for r in sorted(_NUMBERED_ROADS, key=len, reverse=True)
                if tuple(words[i : i + len(r)]) == r
            )
            if i + size < len(words) and words[i + size].isdigit():
                start, end = i, i + size + 1
            else:
                continue
        else:
            continue
        if end < len(words) and words[end] in DIRECTIONS:
            end += 1
        numbered = start > 0 and _house_number(words[start - 1])
        if numbered:
            start -= 1
        elif word in AMBIGUOUS_SUFFIXES:
            continue
        yield Span(doc, start, end, label="address")


def _join_intersections(doc: Doc, spans: list[Span]) -> Iterable[Span]:
    """'king street and simcoe street' is one address: an intersection."""
    out: list[Span] = []
    for span in spans:
        if out and span.start - out[-1].end == 1 and doc[out[-1].end].text in {"and", "at"}:
            out[-1] = Span(doc, out[-1].start, span.end, label="address")
        else:
            out.append(span)
    return out


def _name_word(word: str) -> bool:
    return word.isalpha() and word not in _NOT_NAME and word not in STREET_SUFFIXES


def _house_number(word: str) -> bool:
    return (word[:-1].isdigit() and word[-1].isalpha()) or (word.isdigit() and len(word) <= 5)
