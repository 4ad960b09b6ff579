"""Resolving a spoken date ("tomorrow", "boxing day", "next friday") to a calendar date."""

from __future__ import annotations

from datetime import date, timedelta

from knowledge_base import KnowledgeBase

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FIXED_HOLIDAYS = {
    "christmas": (12, 25),
    "christmas day": (12, 25),
    "christmas eve": (12, 24),
    "boxing day": (12, 26),
    "new year's day": (1, 1),
    "new years day": (1, 1),
    "new year's eve": (12, 31),
    "canada day": (7, 1),
    "remembrance day": (11, 11),
}


def resolve_date(phrase: str | None, today: date, kb: KnowledgeBase) -> date | None:
    """The date meant, on or after today; None when the phrase names no single day."""
    if not phrase:
        return None
    words = phrase.lower().replace("the ", "").strip()
    if words in ("today", "tonight", "now", "right now"):
        return today
    if words == "tomorrow":
        return today + timedelta(days=1)
    if words == "yesterday":
        return today - timedelta(days=1)
    bare = words.removeprefix("this ").removeprefix("next ")
    if bare in _WEEKDAYS:
        ahead = (_WEEKDAYS.index(bare) - today.weekday()) % 7
        if words.startswith("next ") and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    if words in _FIXED_HOLIDAYS:
        month, day = _FIXED_HOLIDAYS[words]
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    holiday = kb.next_holiday_named(words, today)
    return holiday.date if holiday else None
