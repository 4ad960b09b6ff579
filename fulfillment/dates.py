"""Resolving a date to one calendar day, however it reached us.

Three kinds of value arrive as the `date` entity: a span as the resident said it
("tomorrow", "this coming friday", "easter monday"), an Alexa AMAZON.DATE value (ISO 8601
and Amazon's own forms: `2026-W49` a week, `2026-W49-WE` its weekend, `2026-12` a month,
`XXXX-12-25` a day in no stated year, `PRESENT_REF` now), and a Dialogflow CX `@sys.date`
that the Google adapter writes as `YYYY-MM-DD`. A period means the day a resident asking
about it most likely wants: today when the period has already begun, else its first day
(for a weekend, its Saturday).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from knowledge_base import KnowledgeBase

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SATURDAY = 5
_TODAY_WORDS = frozenset({"today", "tonight", "now", "right now", "this week"})
# Named days that are not holidays in Ontario's list, so the holidays package lacks them.
_OTHER_NAMED_DAYS = {"christmas eve": (12, 24), "new years eve": (12, 31)}
_COUNTS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14,
}  # fmt: skip
# "this coming friday" means the next friday, as "next friday" does.
_LEADING = (("on ", ""), ("this coming ", "next "), ("coming ", "next "))

_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:t[0-9:.]+(?:z|[+-]\d{2}:?\d{2})?)?")
_ANY_YEAR_DAY = re.compile(r"xxxx-(\d{2})-(\d{2})")
_ISO_WEEK = re.compile(r"(\d{4})-w(\d{2})(-we)?")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")
_IN_SOME = re.compile(r"in (\w+) (day|days|week|weeks)")


def resolve_date(phrase: str | None, today: date, kb: KnowledgeBase) -> date | None:
    """The date meant (a named day on or after today); None when it names no single day."""
    if not phrase or not phrase.strip():
        return None
    text = " ".join(phrase.lower().split())
    found = _platform_date(text, today)
    if found is not None:
        return found
    words = _spoken_key(text)
    return (
        _relative_day(words, today)
        or _weekday(words, today)
        or _weekend(words, today)
        or _in_some_days(words, today)
        or _named_day(words, today, kb)
    )


# -- platform values ----------------------------------------------------------------------------


def _platform_date(value: str, today: date) -> date | None:
    """Alexa's AMAZON.DATE forms and ISO dates (lower-cased); None for anything else,
    including the forms that name no single day (a year, a decade, a season)."""
    if value == "present_ref":
        return today
    try:
        if match := _ISO_DAY.fullmatch(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _ANY_YEAR_DAY.fullmatch(value):
            return _next_month_day(int(match[1]), int(match[2]), today)
        if match := _ISO_WEEK.fullmatch(value):
            return _iso_week(int(match[1]), int(match[2]), today, weekend=bool(match[3]))
        if match := _ISO_MONTH.fullmatch(value):
            return _month(int(match[1]), int(match[2]), today)
    except ValueError:  # a month 13, a week 54: not a day at all
        return None
    return None


def _next_month_day(month: int, day: int, today: date) -> date | None:
    """The next such day on or after today (the 29th of February waits for a leap year)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _iso_week(year: int, week: int, today: date, *, weekend: bool) -> date:
    """A week's Monday (a weekend's Saturday), or today when that period is under way."""
    first = date.fromisocalendar(year, week, 6 if weekend else 1)
    last = date.fromisocalendar(year, week, 7)
    return today if first <= today <= last else first


def _month(year: int, month: int, today: date) -> date:
    """A month's first day, or today for the month we are in."""
    return today if (year, month) == (today.year, today.month) else date(year, month, 1)


# -- spoken phrases -----------------------------------------------------------------------------


def _words(text: str) -> str:
    """Lower-case words without punctuation or "the": "new year's day" is "new years day"."""
    return " ".join(w for w in re.sub(r"[^\w\s]", "", text.lower()).split() if w != "the")


def _spoken_key(text: str) -> str:
    """The words, with "on" before a day dropped and "this coming" made "next"."""
    key = _words(text)
    for prefix, replacement in _LEADING:
        if key.startswith(prefix):
            key = replacement + key.removeprefix(prefix)
    return key


def _relative_day(words: str, today: date) -> date | None:
    if words in _TODAY_WORDS:
        return today
    offsets = {"tomorrow": 1, "day after tomorrow": 2, "yesterday": -1}
    if words in offsets:
        return today + timedelta(days=offsets[words])
    if words == "next week":
        return today + timedelta(days=7 - today.weekday())
    return None


def _weekday(words: str, today: date) -> date | None:
    """A weekday: "friday" and "this friday" may be today, "next friday" never is."""
    qualifier, _, name = words.rpartition(" ")
    if name not in _WEEKDAYS or qualifier not in ("", "this", "next"):
        return None
    ahead = (_WEEKDAYS.index(name) - today.weekday()) % 7
    if qualifier == "next" and ahead == 0:
        ahead = 7
    return today + timedelta(days=ahead)


def _weekend(words: str, today: date) -> date | None:
    """This weekend's Saturday, or today when the weekend has begun."""
    if words not in ("weekend", "this weekend"):
        return None
    if today.weekday() >= _SATURDAY:
        return today
    return today + timedelta(days=_SATURDAY - today.weekday())


def _in_some_days(words: str, today: date) -> date | None:
    """A count of days or weeks ahead: "in two days", "in 2 days", "in a week"."""
    match = _IN_SOME.fullmatch(words)
    if match is None:
        return None
    count = int(match[1]) if match[1].isdigit() else _COUNTS.get(match[1])
    if count is None:
        return None
    return today + timedelta(days=count * (7 if match[2].startswith("week") else 1))


def _named_day(words: str, today: date, kb: KnowledgeBase) -> date | None:
    """A holiday by name ("good friday", "christmas"): Ontario's from the `holidays` package
    and content's own, as the knowledge base's calendar knows them; or an eve."""
    if words in _OTHER_NAMED_DAYS:
        return _next_month_day(*_OTHER_NAMED_DAYS[words], today)
    holiday = kb.next_holiday_named(words, today)
    return holiday.date if holiday else None
