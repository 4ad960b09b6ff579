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

from knowledge_base.calendar import HolidayCalendar
from knowledge_base.faq import FaqIndex
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
from knowledge_base.responsibility import Responsibilities
from knowledge_base.streets import StreetIndex
from knowledge_base.streets import street_key as street_key  # where the dialog imports it

T = TypeVar("T")
_ARTICLES = frozenset("""a an the my our your some this these that those""".split())


def phrase_key(text: str) -> str:
    """Lower case words only, leading articles dropped: how phrases are compared."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    while words and words[0] in _ARTICLES:
        words.pop(0)
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
        self._holidays = HolidayCalendar(content.collection_holidays)
        self._municipalities = {m.id: m.name for m in content.municipalities}
        self._faq = FaqIndex(content.faq)
        # Built when content is published, so no resident's lookup pays for it.
        self.street_index = StreetIndex(content.collection_zones)
        self.responsibilities = Responsibilities(content.who_handles, content.service_types)

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
        """The day's hours; holiday hours on any holiday of the list collection uses."""
        if day in self._holidays:
            return facility.holiday_hours
        return facility.hours[day.weekday()]

    # -- collection --------------------------------------------------------------------------

    def find_zones(self, address: str, municipality: str | None = None) -> list[CollectionZone]:
        """Zones whose streets match, as `StreetIndex.find` matches them: in every
        municipality that has the street, so that several mean we must ask which; only
        `municipality`'s when it is given."""
        return self.street_index.find(address, municipality)

    def next_collection(self, zone: CollectionZone, today: date) -> Collection:
        """The next collection on or after `today`, moved by the week's holiday rules.

        Every-other-week streams go out in the weeks a whole number of fortnights from the
        zone's garbage anchor; the holiday rules are in `knowledge_base.calendar`.
        """
        week_start = today - timedelta(days=today.weekday())
        while True:
            nominal = week_start + timedelta(days=zone.weekday)
            actual, holiday = self._holidays.collection_day(nominal)
            if actual >= today:
                streams = tuple(
                    s for s in self.content.waste_streams
                    if (s.frequency == "weekly")
                    or (s.frequency == "biweekly" and zone.is_garbage_week(nominal))
                    or (s.frequency == "seasonal_weekly" and s.in_season(actual))
                )  # fmt: skip
                return Collection(actual, streams, holiday)
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
        """The next holiday on or after `today` by a spoken name ("boxing day", "christmas"):
        any the `holidays` package knows for Ontario, and content's own."""
        return self._holidays.next_named(name, today)

    # -- alerts and FAQ ----------------------------------------------------------------------

    def active_alerts(self, today: date, municipality: str | None = None) -> list[Alert]:
        wanted = {None, municipality} if municipality else None
        return [
            a
            for a in self.content.alerts
            if a.active_on(today) and (wanted is None or a.municipality in wanted)
        ]

    def search_faq(self, text: str, *, threshold: float | None = None) -> FaqArticle | None:
        """The article meant, in the resident's words; None when not sure (`FaqIndex`).
        A higher `threshold` asks for more certainty, as a fallback should."""
        return self._faq.find(text, threshold=threshold)

    def names_faq(self, text: str) -> FaqArticle | None:
        """The article whose keyword the question names, if any: the surest kind of match."""
        return self._faq.named(text)


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
