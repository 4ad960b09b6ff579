"""Saying things the way people say them: dates, times, lists."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time

_ORDINAL_SUFFIX = {1: "st", 2: "nd", 3: "rd"}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else _ORDINAL_SUFFIX.get(n % 10, "th")
    return f"{n}{suffix}"


def say_date(day: date, today: date) -> str:
    """'today', 'tomorrow', or 'Tuesday, November 24th' (the year only when it is not this one)."""
    if day == today:
        return "today"
    if (day - today).days == 1:
        return "tomorrow"
    spoken = f"{day:%A}, {day:%B} {ordinal(day.day)}"
    return spoken if day.year == today.year else f"{spoken}, {day.year}"


def say_time(t: time) -> str:
    """'7:30 a.m.', '4 p.m.', 'noon'."""
    if t == time(12, 0):
        return "noon"
    if t == time(0, 0):
        return "midnight"
    hour = t.hour % 12 or 12
    suffix = "a.m." if t.hour < 12 else "p.m."
    return f"{hour}:{t.minute:02d} {suffix}" if t.minute else f"{hour} {suffix}"


def join(items: Sequence[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c': no serial comma, as it is heard."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def capitalize(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def tidy(speech: str) -> str:
    """One period after 'p.m.', single spaces: what text-to-speech reads cleanly."""
    return re.sub(r"\s+", " ", re.sub(r"\.\.(?=\s|$)", ".", speech)).strip()


def say_digits(number: str) -> str:
    """A reference read one digit at a time in groups: '4827 7301' -> '4 8 2 7, 7 3 0 1'.

    Text-to-speech reads '48277301' as forty-eight million; digits apart are read as digits.
    """
    digits = re.sub(r"\D", "", number)
    size = 4 if len(digits) % 4 == 0 else 3
    groups = [digits[i : i + size] for i in range(0, len(digits), size)]
    return ", ".join(" ".join(group) for group in groups)


def street_title(street: str) -> str:
    """'simcoe street north' -> 'Simcoe Street North', as a card shows it."""
    return " ".join(w if w.isdigit() else w.capitalize() for w in street.split())
