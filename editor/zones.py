"""Collection zones as staff edit them: a weekday, a garbage anchor date, and streets.

A zone's streets are rows: each a whole street ("king street east") or a part of one,
from one house number to another on the odd side, the even side or both, which the
content holds as {street, from, to, side}. Reading a submitted form never loses what
was typed: every row comes back as submitted, and each problem is put next to its row
and field. The content model has the last word (a house that two zones claim is refused
there, naming both zones); `content_errors` puts its refusal next to the row it names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from editor.forms import Errors
from editor.speakable import problems
from knowledge_base.model import HOUSE_SIDES, WEEKDAYS

KEY = "collection_zones"
WORKDAYS = WEEKDAYS[:5]
SIDE_LABELS = {"all": "Both sides", "odd": "Odd numbers", "even": "Even numbers"}
BLANK_ROWS = 3  # empty rows under a zone's streets, to add streets in
MAX_ROWS = 2000
MAX_STREET = 120  # characters in a street's name
_ROW = re.compile(r"^street-(\d{1,4})$")
_PATH = re.compile(r"^content\.collection_zones\[(\d+)\]\.(\w+)(?:\[(\d+)\](?:\.(\w+))?)?: (.*)$")
_OTHER_CLAIM = re.compile(r" at content\.collection_zones\[(\d+)\]\.streets\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class StreetRow:
    """One row of the streets table, as text (as typed, or from the content)."""

    street: str = ""
    start: str = ""  # "from" in the content
    end: str = ""  # "to" in the content
    side: str = "all"

    @property
    def blank(self) -> bool:
        return not (self.street or self.start or self.end)


@dataclass(frozen=True, slots=True)
class ZoneForm:
    """A submitted zone form: what was typed, what to fix, and the zone when nothing is.

    Error keys: "weekday", "garbage_anchor", "streets" (the table as a whole), and
    "streets.N.street" / ".from" / ".to" / ".side" for row N of `rows`.
    """

    values: dict[str, str]
    rows: list[StreetRow]
    errors: Errors = field(default_factory=dict)
    entry: dict[str, Any] | None = None
    row_of: tuple[int, ...] = ()  # the row each street of `entry` came from


def zone_values(zone: Mapping[str, Any]) -> dict[str, str]:
    return {"weekday": str(zone.get("weekday", "")),
            "garbage_anchor": str(zone.get("garbage_anchor", ""))}  # fmt: skip


def zone_rows(zone: Mapping[str, Any]) -> list[StreetRow]:
    """The zone's streets as rows of the form."""
    rows: list[StreetRow] = []
    for street in zone.get("streets", []):
        if isinstance(street, Mapping):
            rows.append(
                StreetRow(
                    street=str(street.get("street", "")),
                    start=str(street.get("from", "")),
                    end=str(street.get("to", "")),
                    side=str(street.get("side") or "all"),
                )
            )
        else:
            rows.append(StreetRow(str(street)))
    return rows


def street_text(street: Any) -> str:
    """A street entry as staff read it: "king street east 1 to 499, odd numbers"."""
    if not isinstance(street, Mapping):
        return str(street)
    side = street.get("side") or "all"
    sides = "" if side == "all" else f", {SIDE_LABELS.get(side, side).lower()}"
    return f"{street.get('street')} {street.get('from')} to {street.get('to')}{sides}"


def read_zone(form: Mapping[str, str], zone: Mapping[str, Any]) -> ZoneForm:
    """The zone a submitted form describes (other keys of `zone` kept), or what to fix."""
    values = {name: " ".join(str(form.get(name, "")).split()) for name in zone_values({})}
    errors: Errors = {}
    weekday = values["weekday"]
    if weekday not in WORKDAYS:
        errors["weekday"] = ["Choose a weekday, Monday to Friday."]
    anchor = _anchor(values["garbage_anchor"], weekday, errors)
    rows: list[StreetRow] = []
    removed: set[int] = set()
    numbers = sorted({int(m[1]) for name in form if (m := _ROW.match(name))})[:MAX_ROWS]
    for number in numbers:
        row = StreetRow(
            street=" ".join(str(form.get(f"street-{number}", "")).split()),
            start=str(form.get(f"from-{number}", "")).strip(),
            end=str(form.get(f"to-{number}", "")).strip(),
            side=str(form.get(f"side-{number}", "all")).strip() or "all",
        )
        if form.get(f"remove-{number}"):
            removed.add(len(rows))
        rows.append(row)
    streets: list[Any] = []
    row_of: list[int] = []
    for index, row in enumerate(rows):
        if row.blank or index in removed:
            continue
        street = _street(row, index, errors)
        if street is not None:
            streets.append(street)
            row_of.append(index)
    if not streets and not any(k.startswith("streets.") for k in errors):
        errors["streets"] = ["A zone needs at least one street."]
    shown, errors = _renumbered(rows, removed, errors)
    if errors:
        return ZoneForm(values, shown, errors)
    entry = {**zone, "weekday": weekday, "garbage_anchor": anchor, "streets": streets}
    renumber = _renumbering(len(rows), removed)
    return ZoneForm(values, shown, {}, entry, tuple(renumber[i] for i in row_of))


def _renumbering(count: int, removed: set[int]) -> dict[int, int]:
    return {old: new for new, old in enumerate(i for i in range(count) if i not in removed)}


def _renumbered(
    rows: list[StreetRow], removed: set[int], errors: Errors
) -> tuple[list[StreetRow], Errors]:
    """Rows and errors without the rows ticked for removal (they are not shown again)."""
    renumber = _renumbering(len(rows), removed)
    moved: Errors = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3:
            if int(parts[1]) not in renumber:
                continue
            key = f"streets.{renumber[int(parts[1])]}.{parts[2]}"
        moved[key] = messages
    return [row for i, row in enumerate(rows) if i not in removed], moved


def _anchor(text: str, weekday: str, errors: Errors) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        errors["garbage_anchor"] = ["Give a date like 2026-11-16 (year, month, day)."]
        return text
    if weekday in WORKDAYS and WEEKDAYS[day.weekday()] != weekday:
        errors["garbage_anchor"] = [
            f"{text} is a {WEEKDAYS[day.weekday()].title()}; give a {weekday.title()}, "
            "the zone's collection day, when its garbage goes out."
        ]
    return text


def _street(row: StreetRow, index: int, errors: Errors) -> Any:
    """The content's entry for one row: a name, or {street, from, to, side}; None (with
    errors) when the row is not right."""
    path = f"streets.{index}"
    before = len(errors)
    name = row.street.lower()
    if not name:
        errors[f"{path}.street"] = ["Give the street's name."]
    elif len(name) > MAX_STREET:
        errors[f"{path}.street"] = [f"Keep the name under {MAX_STREET} characters."]
    else:
        spoken = [p for p in problems(row.street) if " words: " not in p]
        if spoken:
            errors[f"{path}.street"] = spoken
    if row.side not in HOUSE_SIDES:
        errors[f"{path}.side"] = ["Choose both sides, odd numbers or even numbers."]
    if not row.start and not row.end:
        if row.side in HOUSE_SIDES and row.side != "all":
            errors[f"{path}.from"] = ["Give from and to: one side is taken of a part of a street."]
        return None if len(errors) > before else name
    numbers: list[int] = []
    for which, text in (("from", row.start), ("to", row.end)):
        if not text:
            errors[f"{path}.{which}"] = ["Give both from and to, or neither for the whole street."]
        elif not text.isdigit() or int(text) < 1 or len(text) > 6:
            errors[f"{path}.{which}"] = ["Give a house number: a whole number, 1 or more."]
        else:
            numbers.append(int(text))
    if len(numbers) == 2 and numbers[1] < numbers[0]:
        errors[f"{path}.to"] = [f"{numbers[1]} is below from ({numbers[0]}); from is the lowest."]
    if len(errors) > before:
        return None
    return {"street": name, "from": numbers[0], "to": numbers[1], "side": row.side}


def content_errors(message: str, zone_index: int, row_of: tuple[int, ...]) -> Errors | None:
    """The content model's refusal of a saved zone, put next to its row and field; None
    when it is about something else (shown above the form)."""
    match = _PATH.match(message)
    if match is None:
        return None
    index, name, street, part, text = match.groups()
    text = _OTHER_CLAIM.sub("", text)
    text = text[0].upper() + text[1:] + "."
    if int(index) == zone_index and name in ("weekday", "garbage_anchor") and street is None:
        return {name: [text]}
    mine = int(index) == zone_index and name == "streets" and street is not None
    if mine and int(street) < len(row_of):
        field_name = part if part in ("from", "to", "side") else "street"
        return {f"streets.{row_of[int(street)]}.{field_name}": [text]}
    # A claim made later in the content, by another zone, on a street of this one.
    other = _OTHER_CLAIM.search(match[5])
    if other and int(other[1]) == zone_index and int(other[2]) < len(row_of):
        return {f"streets.{row_of[int(other[2])]}.street": [text]}
    return None
