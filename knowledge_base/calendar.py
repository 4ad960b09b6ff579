"""Holidays and the collection calendar, right on every day of every year.

The holiday list is Ontario's statutory holidays, taken from the `holidays` package for
whatever year is asked, plus what content staff add or change in `collection_holidays`:

- an entry with a name and no date sets the rule of that named holiday every year
  ("Christmas Day: shift_week"); it may name a holiday the package knows for Ontario but
  does not count as statutory (Civic Holiday, Easter Monday), which adds it every year;
- an entry with a date adds a holiday on that day only (an observed day, a one-off), or
  sets the rule of the holiday already on that day.

A statutory holiday no entry names keeps the usual rule, `shift_week`. Every holiday in
the list is a holiday for facility and office hours, whatever its collection rule.

Collection rules, for zones that collect Monday to Friday:

- `shift_week`: the collection on the holiday and every later one that week move a day later;
- `shift_day`: only the collection on the holiday moves, to the next day;
- `no_change`: collection is not affected.

Only holidays on a weekday move collection: a weekend holiday does nothing unless content
gives an observed weekday date. Holidays are applied in date order, so a collection moved
onto another shifting holiday moves again (Christmas on Thursday and Boxing Day on Friday
take Thursday's collection to Saturday), and no collection moves past Saturday (Durham
collects on Saturday, never on Sunday).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

SHIFT_WEEK = "shift_week"
SHIFT_DAY = "shift_day"
NO_CHANGE = "no_change"
HOLIDAY_RULES = (SHIFT_WEEK, SHIFT_DAY, NO_CHANGE)
DEFAULT_RULE = SHIFT_WEEK  # what a statutory holiday does when content does not say
_SATURDAY = 5
_NAME_YEARS = range(2020, 2041)  # the years whose holiday names content may refer to
_GENERIC_WORDS = frozenset({"day", "holiday", "stat", "statutory", "the", "of"})


@dataclass(frozen=True, slots=True)
class Holiday:
    """A holiday on one day, with the rule it applies to collection that week."""

    date: date
    name: str
    rule: str = DEFAULT_RULE


@dataclass(frozen=True, slots=True)
class HolidayEntry:
    """One entry of content's `collection_holidays`: every year by name, or one date."""

    name: str
    rule: str
    date: date | None = None


def holiday_key(name: str) -> str:
    """How holiday names are compared: "New Year's Day" and "new years" are the same key."""
    words = re.sub(r"[^\w\s]", "", name.lower()).split()
    words = [w for w in words if w != "the"]
    if len(words) > 1 and words[-1] == "day":
        words.pop()
    return " ".join(words)


@functools.lru_cache(maxsize=64)
def ontario_holidays(year: int) -> tuple[tuple[date, str, bool], ...]:
    """Ontario's holidays in `year` as the `holidays` package gives them, in date order:
    (day, name, statutory). Not statutory: holidays the package lists as optional in
    Ontario (Easter Monday, Civic Holiday, Remembrance Day). Never the observed days."""
    found: list[tuple[date, str, bool]] = []
    for statutory, categories in ((True, (holidays.PUBLIC,)), (False, (holidays.OPTIONAL,))):
        calendar = holidays.country_holidays(  # holidays.Canada, which mypy cannot see
            "CA", subdiv="ON", years=year, observed=False, language="en_CA", categories=categories
        )
        found += [(day, name, statutory) for day in calendar for name in calendar.get_list(day)]
    return tuple(sorted(found))


@functools.lru_cache(maxsize=1)
def known_holiday_names() -> Mapping[str, str]:
    """Every holiday name the package knows for Ontario, by key: what an undated entry may name."""
    return {
        holiday_key(name): name for year in _NAME_YEARS for _, name, _ in ontario_holidays(year)
    }


class HolidayCalendar:
    """Collection and service holidays for any year: Ontario's statutory ones plus content's.

    `day in calendar` and `calendar.get(day)` answer whether a day is a holiday.
    """

    def __init__(self, entries: Iterable[HolidayEntry]) -> None:
        entries = tuple(entries)
        self._by_name = {holiday_key(e.name): e for e in entries if e.date is None}
        self._by_date = {e.date: e for e in entries if e.date is not None}
        self._years: dict[int, dict[date, Holiday]] = {}

    def year(self, year: int) -> Mapping[date, Holiday]:
        """Every holiday of `year`, weekends included, by date."""
        found = self._years.get(year)
        if found is None:
            found = {}
            for day, name, statutory in ontario_holidays(year):
                entry = self._by_name.get(holiday_key(name))
                if entry is not None:
                    found[day] = Holiday(day, entry.name, entry.rule)
                elif statutory and day not in found:
                    found[day] = Holiday(day, name, DEFAULT_RULE)
            for day, entry in self._by_date.items():
                if day.year == year:
                    found[day] = Holiday(day, entry.name, entry.rule)
            self._years[year] = found
        return found

    def get(self, day: date) -> Holiday | None:
        return self.year(day.year).get(day)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in self.year(day.year)

    def collection_day(self, nominal: date) -> tuple[date, Holiday | None]:
        """The day a collection due on weekday `nominal` happens, and the holiday that moved it.

        The week's weekday holidays are applied in date order: `shift_week` moves the
        collection a day if it is on or after the holiday, `shift_day` if it is on it.
        Never later than that week's Saturday.
        """
        monday = nominal - timedelta(days=nominal.weekday())
        saturday = monday + timedelta(days=_SATURDAY)
        day, cause = nominal, None
        for offset in range(_SATURDAY):
            holiday = self.get(monday + timedelta(days=offset))
            if holiday is None:
                continue
            if (holiday.rule == SHIFT_WEEK and holiday.date <= day) or (
                holiday.rule == SHIFT_DAY and holiday.date == day
            ):
                day = min(day + timedelta(days=1), saturday)
                cause = cause or holiday
        return day, cause

    def next_named(self, name: str, today: date) -> Holiday | None:
        """The next holiday on or after `today` called `name` as people say it ("christmas",
        "new years day", "easter monday"): the list's holidays and every other one the
        package knows for Ontario (those carry `no_change`). A whole-name match first, then a
        name containing the words said ("easter" finds Easter Monday)."""
        key = holiday_key(name)
        if not set(key.split()) - _GENERIC_WORDS:
            return None
        pool: list[Holiday] = []
        for year in (today.year, today.year + 1):
            listed = self.year(year)
            pool += listed.values()
            named = {(h.date, holiday_key(h.name)) for h in listed.values()}
            pool += [
                Holiday(day, package_name, listed[day].rule if day in listed else NO_CHANGE)
                for day, package_name, _ in ontario_holidays(year)
                if (day, holiday_key(package_name)) not in named
            ]
        upcoming = sorted((h for h in pool if h.date >= today), key=lambda h: h.date)
        exact = [h for h in upcoming if holiday_key(h.name) == key]
        padded = f" {key} "
        return next(iter(exact), None) or next(
            (h for h in upcoming if padded in f" {holiday_key(h.name)} "), None
        )
