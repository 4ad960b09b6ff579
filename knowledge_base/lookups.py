"""Answers from published content: items, facilities, schedules, alerts, FAQ.

One `KnowledgeBase` wraps one published revision with the indexes its lookups
need; a worker swaps in a new one when content is published. It matches the
way people talk ("an old tv", "the dump in oshawa", "simcoe st n") rather than
the way content is written.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from knowledge_base.model import (
    Alert,
    CollectionZone,
    Content,
    Facility,
    FaqArticle,
    Holiday,
    Hours,
    WasteItem,
    WasteStream,
)

T = TypeVar("T")
_ARTICLES = frozenset("""a an the my our your some this these that those""".split())
_ABBREVIATIONS = {
    "st": "street", "rd": "road", "ave": "avenue", "dr": "drive", "cres": "crescent",
    "ct": "court", "blvd": "boulevard", "ln": "lane", "pl": "place", "trl": "trail",
    "pkwy": "parkway", "hwy": "highway", "n": "north", "s": "south", "e": "east", "w": "west",
}  # fmt: skip
_DIRECTIONS = frozenset({"north", "south", "east", "west"})
_STOPWORDS = frozenset(
    """a an the my our your i me we you is are was be do does did can could how what when where
    who why which to of for in on at by with about it its and or if there this that get got
    have has need want please tell know find""".split()
)


def phrase_key(text: str) -> str:
    """Lower case words only, leading articles dropped: how phrases are compared."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    while words and words[0] in _ARTICLES:
        words.pop(0)
    return " ".join(words)


def street_key(text: str) -> str:
    """'123 Simcoe St. N' -> 'simcoe street north': house number off, abbreviations spelled."""
    words = [_ABBREVIATIONS.get(w, w) for w in phrase_key(text).split()]
    while words and (words[0].isdigit() or re.fullmatch(r"\d+[a-z]", words[0])):
        words.pop(0)
    for joiner in ("and", "at"):  # an intersection: the first street names the zone
        if joiner in words:
            words = words[: words.index(joiner)]
    return " ".join(words)


def _singular(key: str) -> str:
    if key.endswith("ies"):
        return key[:-3] + "y"
    if key.endswith(("ses", "xes", "ches", "shes")):
        return key[:-2]
    return key[:-1] if key.endswith("s") and not key.endswith("ss") else key


@dataclass(frozen=True, slots=True)
class Collection:
    day: date
    streams: tuple[WasteStream, ...]
    holiday: Holiday | None  # the holiday that moved it, if any


class KnowledgeBase:
    def __init__(self, content: Content, *, revision: int = 0) -> None:
        self.content = content
        self.revision = revision
        self.organisation = content.organisation
        self._items: dict[str, WasteItem] = {}
        for item in content.waste_items:
            for phrase in (item.name, *item.synonyms):
                self._items.setdefault(phrase_key(phrase), item)
                self._items.setdefault(_singular(phrase_key(phrase)), item)
        self._facilities: dict[str, Facility] = {}
        for facility in content.facilities:
            for phrase in (facility.name, *facility.aliases):
                self._facilities.setdefault(phrase_key(phrase), facility)
        self._holidays = {h.date: h for h in content.collection_holidays}
        self._municipalities = {m.id: m.name for m in content.municipalities}

    # -- names -------------------------------------------------------------------------------

    def municipality_name(self, municipality_id: str) -> str:
        return self._municipalities.get(municipality_id, municipality_id.title())

    def gazetteers(self) -> dict[str, tuple[str, ...]]:
        """Phrases for the NLU gazetteers: what residents may call items, places, streets."""
        streets = {s for zone in self.content.collection_zones for s in zone.streets}
        items = {
            phrase_key(p) for item in self.content.waste_items for p in (item.name, *item.synonyms)
        }
        return {
            "waste_items": tuple(sorted(items - {""})),
            "facilities": tuple(sorted(self._facilities)),
            "streets": tuple(sorted(streets)),
        }

    # -- waste items -------------------------------------------------------------------------

    def find_waste_item(self, phrase: str) -> WasteItem | None:
        key = phrase_key(phrase)
        return _best_match(self._items, key, variants=(_singular(key),), cutoff=0.84)

    def disposal_sentence(self, item: WasteItem) -> str:
        sentence = self.content.disposal_methods[item.disposal].replace("{item}", item.name)
        sentence = sentence[0].upper() + sentence[1:]
        return f"{sentence} {item.tip}" if item.tip else sentence

    # -- facilities --------------------------------------------------------------------------

    def find_facility(self, phrase: str) -> Facility | None:
        return _best_match(self._facilities, phrase_key(phrase), cutoff=0.8)

    def facility_hours(self, facility: Facility, day: date) -> Hours:
        if day in self._holidays:
            return facility.holiday_hours
        return facility.hours[day.weekday()]

    # -- collection --------------------------------------------------------------------------

    def find_zones(self, address: str, municipality: str | None = None) -> list[CollectionZone]:
        """Zones whose streets match; more than one means we must ask which municipality."""
        key = street_key(address)
        if not key:
            return []
        zones = [z for z in self.content.collection_zones
                 if municipality is None or z.municipality == municipality]  # fmt: skip
        exact = [z for z in zones if key in z.streets]
        if exact:
            return exact
        bare = _without_direction(key)
        return [z for z in zones if any(_without_direction(s) == bare for s in z.streets)]

    def next_collection(self, zone: CollectionZone, today: date) -> Collection:
        """The next collection on or after `today`, holiday shifts applied.

        The rule: a weekday holiday moves every collection on or after it that week one day later.
        """
        week_start = today - timedelta(days=today.weekday())
        while True:
            nominal = week_start + timedelta(days=zone.weekday)
            shifts = [
                self._holidays[d]
                for d in (week_start + timedelta(days=i) for i in range(zone.weekday + 1))
                if d in self._holidays
            ]
            actual = nominal + timedelta(days=len(shifts))
            if actual >= today:
                parity = "odd" if nominal.isocalendar().week % 2 else "even"
                streams = tuple(
                    s for s in self.content.waste_streams
                    if (s.frequency == "weekly")
                    or (s.frequency == "biweekly" and parity == zone.garbage_week)
                    or (s.frequency == "seasonal_weekly" and s.in_season(actual))
                )  # fmt: skip
                return Collection(actual, streams, shifts[-1] if shifts else None)
            week_start += timedelta(days=7)

    def office_open(self, when: datetime) -> bool:
        """Whether daytime lines answer now (the safety content's office hours, not holidays)."""
        hours = self.content.safety.office_hours[when.weekday()]
        if hours is None or when.date() in self._holidays:
            return False
        return hours[0] <= when.time() < hours[1]

    def holiday_on(self, day: date) -> Holiday | None:
        return self._holidays.get(day)

    def next_holiday_named(self, name: str, today: date) -> Holiday | None:
        key = phrase_key(name)
        upcoming = sorted(
            (h for h in self.content.collection_holidays if h.date >= today), key=lambda h: h.date
        )
        return next((h for h in upcoming if key and key in phrase_key(h.name)), None)

    # -- alerts and FAQ ----------------------------------------------------------------------

    def active_alerts(self, today: date, municipality: str | None = None) -> list[Alert]:
        wanted = {None, municipality} if municipality else None
        return [
            a
            for a in self.content.alerts
            if a.active_on(today) and (wanted is None or a.municipality in wanted)
        ]

    def search_faq(self, text: str) -> FaqArticle | None:
        """The article whose keywords the question names best, or None if none is named."""
        key = f" {phrase_key(text)} "
        words = set(key.split()) - _STOPWORDS
        best: tuple[float, FaqArticle] | None = None
        for article in self.content.faq:
            score = sum(2.0 * len(k.split()) for k in article.keywords if f" {k} " in key)
            if not score:
                continue
            score += 0.5 * len(words & (set(phrase_key(article.question).split()) - _STOPWORDS))
            if best is None or score > best[0]:
                best = (score, article)
        return best[1] if best else None


def _best_match(
    index: dict[str, T], key: str, *, variants: tuple[str, ...] = (), cutoff: float
) -> T | None:
    """The phrase as said, then the longest known phrase inside it, then a close spelling.

    "an old broken tv set" finds "tv"; "pizza boxs" finds "pizza boxes". No guess below `cutoff`.
    """
    if not key:
        return None
    for candidate in (key, *variants):
        if candidate in index:
            return index[candidate]
    padded = f" {key} "
    contained = [k for k in index if f" {k} " in padded]
    if contained:
        return index[max(contained, key=len)]
    close = difflib.get_close_matches(key, list(index), n=1, cutoff=cutoff)
    return index[close[0]] if close else None


def _without_direction(street: str) -> str:
    words = street.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1] in _DIRECTIONS else street
