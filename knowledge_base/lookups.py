"""Answers from published content: items, facilities, schedules, alerts, FAQ.

One `KnowledgeBase` wraps one published revision with the indexes its lookups
need; a worker swaps in a new one when content is published. It matches the
way people talk ("an old tv", "the dump in oshawa", "simcoe st n") rather than
the way content is written.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from rapidfuzz import process
from rapidfuzz.distance import OSA

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
        self._items = _ItemIndex(content.waste_items)
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
        """The item meant, however it is said: "Pizza-boxes!", "an old tv", "rubber bnads".

        See `_ItemIndex.find` for the order in which it looks.
        """
        return self._items.find(phrase)

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


# -- waste items, the way residents say them -----------------------------------------------

# Words that are never an item on their own, so a question's "can" or an item's "empty"
# (not "empties") is not taken for one when the item is looked for inside a sentence.
_FILLER = frozenset(
    """a an the my our your some this these that those it its i me we you he she they is are
    am was be can could will would should do does did where what which who how why when put
    throw toss go goes get rid of in into on onto to for with and or at by from out away
    please okay ok hey so just empty old new little small big large broken used""".split()
)


def _item_words(text: str) -> list[str]:
    """Lower case ASCII words, apostrophes dropped ("painter's" is "painters"), "&" an
    "and", every other mark a space, leading articles dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded.replace("'", "").replace("&", " and "))
    while words and words[0] in _ARTICLES:
        words.pop(0)
    return words


def _singular_word(word: str) -> str:
    """A word's singular, by rules that give a word and its plural the same form: "boxes"
    and "box" are "box", "cookies" and "cookie" are "cooky". Not always English (a few
    singulars lose an "e"), but the same on both sides of a comparison."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ie"):
        return word[:-2] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _other_numbers(words: list[str]) -> list[list[str]]:
    """The phrase with its last word made plural (or, for "leaves", singular) the way
    English irregularly does it, so "knife" is also found as "knives" and "leaves" as
    "leaf"; regular plurals need no help (`_singular_word`)."""
    last = words[-1]
    if re.search(r"[^aeiou]y$", last):
        others = [last[:-1] + "ies"]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        others = [last + "es"]
    elif last.endswith("fe"):
        others = [last[:-2] + "ves"]
    elif last.endswith("f") and not last.endswith("ff"):
        others = [last[:-1] + "ves"]
    else:
        others = [last + "s"]
    if last.endswith("ves") and len(last) > 4:
        others += [last[:-3] + "f", last[:-3] + "fe"]
    return [[*words[:-1], other] for other in others]


def _canonical(words: Sequence[str]) -> str:
    return " ".join(_singular_word(w) for w in words)


class _ItemIndex:
    """Every name of every waste item, in the forms residents say them, built once when
    content is published so a lookup is a few dictionary reads and, at worst, one fuzzy
    pass over the names of about the same length."""

    def __init__(self, items: Sequence[WasteItem]) -> None:
        self._exact: dict[str, WasteItem] = {}
        self._canonical: dict[str, WasteItem] = {}
        self._compact: dict[str, WasteItem] = {}  # "teabag", "wd40": words run together
        for item in items:
            for phrase in (item.name, *item.synonyms):
                words = _item_words(phrase)
                if not words:
                    continue
                self._exact.setdefault(" ".join(words), item)
                for form in (words, *_other_numbers(words)):
                    key = _canonical(form)
                    self._canonical.setdefault(key, item)
                    self._compact.setdefault(key.replace(" ", ""), item)
        # What a slip is measured against: names as written, and in their singular form.
        self._spellings = {**self._canonical, **self._exact}
        self._order = {key: n for n, key in enumerate(self._spellings)}
        self._by_length: dict[int, list[str]] = {}
        for key in self._spellings:
            self._by_length.setdefault(len(key), []).append(key)

    def find(self, phrase: str) -> WasteItem | None:
        """The phrase as said; then singular or plural; then with its words run together;
        then a close spelling of the whole phrase (`_close`); then the longest name inside
        it ("where does an old tv go" finds "tv"). No guess beyond that."""
        words = _item_words(phrase)
        if not words:
            return None
        said, key = " ".join(words), _canonical(words)
        return (
            self._exact.get(said)
            or self._canonical.get(key)
            or self._compact.get(key.replace(" ", ""))
            or self._close(said, key)
            or self._inside(words)
        )

    def _close(self, said: str, key: str) -> WasteItem | None:
        """The name nearest in spelling to the phrase as said or in its singular form: one
        slip (a letter wrong, missing, extra or two swapped) in 5 to 9 letters, two in
        longer phrases; in 4 letters only a missing one ("guze"), since one letter changed
        makes another word ("leak", "leaf"); none in fewer. Ties go to the name with the
        same first letter, then to the one content lists first."""
        best: tuple[int, bool, int] | None = None
        found: WasteItem | None = None
        for query in dict.fromkeys((said, key)):
            allowed = 0 if len(query) < 4 else 1 if len(query) < 10 else 2
            shortest = len(query) - allowed if len(query) > 4 else len(query) + 1
            choices = [
                k for n in range(shortest, len(query) + allowed + 1)
                for k in self._by_length.get(n, ())
            ]  # fmt: skip
            if not allowed or not choices:
                continue
            close = process.extract(
                query, choices, scorer=OSA.distance, score_cutoff=allowed, limit=None
            )
            for spelling, distance, _ in close:
                rank = (distance, spelling[0] != query[0], self._order[spelling])
                if best is None or rank < best:
                    best, found = rank, self._spellings[spelling]
        return found

    def _inside(self, words: list[str]) -> WasteItem | None:
        """The longest name (in letters, as said) inside a longer phrase, singular or plural;
        of two as long, the one said first ("ashes from my wood stove"), then the one
        content lists first."""
        best: tuple[int, int, int] | None = None
        found: WasteItem | None = None
        for size in range(min(len(words) - 1, 6), 0, -1):
            for start in range(len(words) - size + 1):
                part = words[start : start + size]
                if size == 1 and (part[0] in _FILLER or len(part[0]) < 2):
                    continue
                key = _canonical(part)
                if key in self._canonical:
                    rank = (-len(" ".join(part)), start, self._order[key])
                    if best is None or rank < best:
                        best, found = rank, self._canonical[key]
        return found
