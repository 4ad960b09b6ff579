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
from nlu.normalize import (
    AMBIGUOUS_SUFFIXES,
    DIRECTIONS,
    NOT_STREET_NAME,
    NUMBERED_ROADS,
    ORDINAL_ROADS,
    STREET_SUFFIXES,
    normalize,
)
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

# Streets known to content but said without their suffix ("bayly east", "22 gibb in
# oshawa"): the EntityRuler marks the bare name with this label, and the spoken-entity
# component makes it an address only where an address is plain (after a house number,
# before the town), dropping it elsewhere: "king" and "church" are everyday words too.
STREET_NAME = "durham311_street_name"
# Words after which a numbered road stands alone as an address ("on line 4").
_PLACE_WORDS = frozenset("on at along off near from to by is".split())
_DIRECTION_WORDS = frozenset({"north", "south", "east", "west"})


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
    named = taken | {text for _, text in patterns}
    for phrase, label in street_variants(gazetteers.streets):
        if phrase not in named:
            _pattern(patterns, phrase, label, None)
    return list(patterns.values())


def street_variants(streets: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Known streets as said without their suffix, with the label each is marked with.

    "bayly street east" gives "bayly east", an address as it stands, and "bayly", a bare
    name that is an address only in context. Names that are everyday words to the
    address finder ("main", "water") and numbered roads give none.
    """
    for street in streets:
        words = normalize(street).text.split()
        direction = words.pop() if len(words) > 2 and words[-1] in _DIRECTION_WORDS else None
        if len(words) < 2 or words[-1] not in STREET_SUFFIXES:
            continue
        name = words[:-1]
        if any(not w.isalpha() or w in NOT_STREET_NAME or w in DIRECTIONS for w in name):
            continue
        if direction is not None:
            yield " ".join([*name, direction]), "address"
        yield " ".join(name), STREET_NAME


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
    known = list(_known_streets(doc))
    found = list(_join_intersections(doc, list(_street_spans(doc))))
    taken = {i for s in [*found, *known] if s.label_ == "address" for i in range(s.start, s.end)}
    found.extend(
        Span(doc, tok.i, tok.i + 1, label="request_number")
        for tok in doc
        if tok.text.isdigit() and len(tok.text) >= 4 and tok.i not in taken
    )
    labels = {ent.label_ for ent in known}
    text = doc.text  # spaCy rebuilds it from the tokens on every access: once per doc
    if "issue_type" not in labels:
        found.extend(_issue_types(doc, text, patterns))
    found.extend(_facilities(doc, text, patterns))
    found.extend(_items(doc, text, patterns))
    found.extend(_char_spans(doc, text, patterns.dates, "date"))
    doc.ents = filter_spans([*known, *found])
    return doc


def _known_streets(doc: Doc) -> Iterator[Span]:
    """The EntityRuler's entities, with known streets as addresses where they are ones.

    A house number said before a known street joins it ("12 scugog line 8"); a bare
    street name is an address after a house number or before the town, at the end of
    what is said ("22 gibb in oshawa", "liverpool in pickering"), and nothing otherwise.
    """
    words = [t.text for t in doc]
    towns = {ent.start for ent in doc.ents if ent.label_ == "municipality"}
    for ent in doc.ents:
        if ent.label_ not in ("address", STREET_NAME):
            yield ent
            continue
        start, end = ent.start, ent.end
        numbered = start > 0 and _house_number(words[start - 1])
        if ent.label_ == STREET_NAME:
            town = end in towns or (end + 1 in towns and words[end] == "in")
            last = end == len(words) or words[end] in ("in", "please") or end in towns
            if not (last and (numbered or town)):
                continue
        yield Span(doc, start - 1 if numbered else start, end, label="address")


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
            if 0 < len(words) <= 6 and not set(words) <= _NOT_ITEMS | NOT_STREET_NAME:
                yield span
            return


def _street_spans(doc: Doc) -> Iterator[Span]:
    """Streets by how they are said: a name and a suffix, or a numbered road.

    Some need more to be an address: a name before an everyday suffix ("the right way")
    needs a house number; "line 4" and "4th line" need a house number or a word that
    places them ("on line 4"), or to be all that is said.
    """
    words = [t.text for t in doc]
    for i in range(len(words)):
        found = _suffixed_street(words, i) or _numbered_road(words, i)
        if found is None:
            continue
        start, end, needs = found
        if end < len(words) and words[end] in DIRECTIONS:
            end += 1
        if start > 0 and _house_number(words[start - 1]):
            start -= 1
        elif needs == "number" or (
            needs == "place" and start > 0 and words[start - 1] not in _PLACE_WORDS
        ):
            continue
        yield Span(doc, start, end, label="address")


def _suffixed_street(words: list[str], i: int) -> tuple[int, int, str] | None:
    """Up to three name words and a suffix ending at `i`: start, end, and what else it
    needs to be an address ("number", "place" or nothing)."""
    if words[i] not in STREET_SUFFIXES or i == 0:
        return None
    start = i
    while start > 0 and i - start < 3 and _name_word(words[start - 1]):
        start -= 1
    if start == i:
        return None
    end, needs = i + 1, ""
    if words[i] in ("line", "sideroad") and end < len(words) and words[end].isdigit():
        end += 1  # "scugog line 8", "brock sideroad 17"
        needs = "place" if words[i] == "line" else ""
    elif words[i] in AMBIGUOUS_SUFFIXES:
        ordinal = _ORDINAL.fullmatch(words[start]) is not None and words[i] in ORDINAL_ROADS
        needs = "place" if ordinal and start == i - 1 else "number"
    return start, end, needs


def _numbered_road(words: list[str], i: int) -> tuple[int, int, str] | None:
    """A road by its number: "highway 2", "regional road 57", "line 4", "4th line"."""
    for road in _ROADS_LONGEST_FIRST:
        after = i + len(road)
        if tuple(words[i:after]) == road and after < len(words) and words[after].isdigit():
            return i, after + 1, "place" if road == ("line",) else ""
    if _ORDINAL.fullmatch(words[i]) and i + 1 < len(words) and words[i + 1] in ORDINAL_ROADS:
        end = i + 2
        if words[i + 1] == "concession" and end < len(words) and words[end] == "road":
            end += 1
        return i, end, "place" if words[i + 1] == "line" else ""
    return None


def _join_intersections(doc: Doc, spans: list[Span]) -> Iterable[Span]:
    """'king street and simcoe street' is one address: an intersection."""
    out: list[Span] = []
    for span in spans:
        if out and span.start - out[-1].end == 1 and doc[out[-1].end].text in {"and", "at"}:
            out[-1] = Span(doc, out[-1].start, span.end, label="address")
        else:
            out.append(span)
    return out


_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")
_ROADS_LONGEST_FIRST = sorted(NUMBERED_ROADS, key=len, reverse=True)


def _name_word(word: str) -> bool:
    """A word that can be part of a street's name: "king", "4th"."""
    if _ORDINAL.fullmatch(word):
        return True
    return word.isalpha() and word not in NOT_STREET_NAME and word not in STREET_SUFFIXES


def _house_number(word: str) -> bool:
    return (word[:-1].isdigit() and word[-1].isalpha()) or (word.isdigit() and len(word) <= 5)
