"""resolve_date: spoken phrases, Alexa's AMAZON.DATE forms and CX's ISO dates, on fixed days.

Every row names the day it is asked on, so weekday arithmetic, periods already under way
and year boundaries are all pinned down.
"""

from __future__ import annotations

from datetime import date

import pytest

from fulfillment.dates import resolve_date
from knowledge_base import SAMPLE_CONTENT, Content, KnowledgeBase
from knowledge_base.store import load_document

MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
WEDNESDAY = date(2026, 11, 25)
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)
YEAR_END = date(2026, 12, 30)  # a Wednesday, in ISO week 2026-W53 (28 Dec to 3 Jan)
NEW_YEARS_EVE = date(2026, 12, 31)

CASES: list[tuple[str | None, date, date | None]] = [
    # Alexa AMAZON.DATE: a day, a week, a weekend, a month, now, a day in no stated year
    ("2026-12-01", MONDAY, date(2026, 12, 1)),
    ("2027-01-04", YEAR_END, date(2027, 1, 4)),
    ("2026-W49", MONDAY, date(2026, 11, 30)),
    ("2026-W48", WEDNESDAY, WEDNESDAY),
    ("2026-W53", YEAR_END, YEAR_END),
    ("2027-W01", YEAR_END, date(2027, 1, 4)),
    ("2026-W49-WE", MONDAY, date(2026, 12, 5)),
    ("2026-W48-WE", SATURDAY, SATURDAY),
    ("2026-W48-WE", SUNDAY, SUNDAY),
    ("2026-W53-WE", YEAR_END, date(2027, 1, 2)),
    ("2026-12", MONDAY, date(2026, 12, 1)),
    ("2026-11", WEDNESDAY, WEDNESDAY),
    ("2027-01", YEAR_END, date(2027, 1, 1)),
    ("PRESENT_REF", FRIDAY, FRIDAY),
    ("XXXX-12-25", MONDAY, date(2026, 12, 25)),
    ("XXXX-12-25", YEAR_END, date(2027, 12, 25)),
    ("XXXX-01-01", YEAR_END, date(2027, 1, 1)),
    ("XXXX-12-30", YEAR_END, YEAR_END),
    ("XXXX-02-29", MONDAY, date(2028, 2, 29)),
    # Dialogflow CX dates, as the Google adapter writes them (and a date-time's date)
    ("2026-12-01T12:00:00-05:00", MONDAY, date(2026, 12, 1)),
    # forms naming no single day, and nonsense
    ("2026", MONDAY, None),
    ("201X", MONDAY, None),
    ("2026-SU", MONDAY, None),
    ("2026-13", MONDAY, None),
    ("2026-W54", MONDAY, None),
    ("2026-02-30", MONDAY, None),
    ("someday", MONDAY, None),
    ("in many days", MONDAY, None),
    ("the long weekend", MONDAY, None),
    ("", MONDAY, None),
    ("   ", MONDAY, None),
    (None, MONDAY, None),
    # the weekend
    ("this weekend", MONDAY, SATURDAY),
    ("the weekend", FRIDAY, SATURDAY),
    ("this weekend", SATURDAY, SATURDAY),
    ("this weekend", SUNDAY, SUNDAY),
    ("weekend", YEAR_END, date(2027, 1, 2)),
    # weekdays, with "on", "this", "next" and "this coming"
    ("on saturday", MONDAY, SATURDAY),
    ("on saturday", SATURDAY, SATURDAY),
    ("saturday", SUNDAY, date(2026, 12, 5)),
    ("this friday", FRIDAY, FRIDAY),
    ("next tuesday", MONDAY, TUESDAY),
    ("next tuesday", TUESDAY, date(2026, 12, 1)),
    ("next monday", MONDAY, date(2026, 11, 30)),
    ("this coming friday", MONDAY, FRIDAY),
    ("this coming friday", FRIDAY, date(2026, 12, 4)),
    ("on this coming friday", WEDNESDAY, FRIDAY),
    ("friday", YEAR_END, date(2027, 1, 1)),
    # days counted from today
    ("today", MONDAY, MONDAY),
    ("right now", MONDAY, MONDAY),
    ("tomorrow", NEW_YEARS_EVE, date(2027, 1, 1)),
    ("yesterday", MONDAY, date(2026, 11, 22)),
    ("day after tomorrow", YEAR_END, date(2027, 1, 1)),
    ("the day after tomorrow", MONDAY, WEDNESDAY),
    ("in two days", YEAR_END, date(2027, 1, 1)),
    ("in 2 days", MONDAY, WEDNESDAY),
    ("in a week", MONDAY, date(2026, 11, 30)),
    ("next week", WEDNESDAY, date(2026, 11, 30)),
    # holidays, from Ontario's list
    ("easter monday", MONDAY, date(2027, 3, 29)),
    ("good friday", MONDAY, date(2027, 3, 26)),
    ("good friday", date(2027, 3, 26), date(2027, 3, 26)),
    ("victoria day", MONDAY, date(2027, 5, 24)),
    ("boxing day", MONDAY, date(2026, 12, 26)),
    ("boxing day", YEAR_END, date(2027, 12, 26)),
    ("new year's day", YEAR_END, date(2027, 1, 1)),
    ("new years day", MONDAY, date(2027, 1, 1)),
    ("new year's day", date(2027, 1, 1), date(2027, 1, 1)),
    ("christmas", date(2026, 12, 25), date(2026, 12, 25)),
    ("christmas day", YEAR_END, date(2027, 12, 25)),
    ("thanksgiving", MONDAY, date(2027, 10, 11)),
    ("civic holiday", MONDAY, date(2027, 8, 2)),
    ("remembrance day", date(2026, 11, 10), date(2026, 11, 11)),
    ("canada day", MONDAY, date(2027, 7, 1)),
    # named days that are not holidays
    ("christmas eve", MONDAY, date(2026, 12, 24)),
    ("new year's eve", YEAR_END, NEW_YEARS_EVE),
]


@pytest.mark.parametrize(
    ("phrase", "today", "expected"),
    CASES,
    ids=[f"{phrase!r} on {today}" for phrase, today, _ in CASES],
)
def test_resolve_date(
    phrase: str | None, today: date, expected: date | None, sample_kb: KnowledgeBase
) -> None:
    assert resolve_date(phrase, today, sample_kb) == expected


def test_a_holiday_only_content_names_is_found_through_the_knowledge_base(
    sample_kb: KnowledgeBase,
) -> None:
    """Holiday names go to the knowledge base's calendar: Ontario's list and content's own."""
    doc = load_document(SAMPLE_CONTENT)
    doc["collection_holidays"].append({"name": "Durham Day", "date": "2027-08-02",
                                       "rule": "no_change"})  # fmt: skip
    kb = KnowledgeBase(Content.from_dict(doc))
    assert resolve_date("durham day", MONDAY, kb) == date(2027, 8, 2)
    assert resolve_date("durham day", MONDAY, sample_kb) is None
    assert resolve_date("the long weekend", MONDAY, kb) is None
    assert resolve_date("someday", MONDAY, sample_kb) is None
