"""What each content type's form holds, and reading a submitted form back into an entry.

A section (waste items, FAQ, facilities, alerts, holidays) is described once: its fields,
their kinds and labels. From that the editor renders the list and the form, and reads a
submission into the entry the content model expects. Reading never loses what was
typed: `FormResult.values` holds every field as submitted, and `errors` names each field
that needs changing with one sentence per problem, shown next to that field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from editor.speakable import problems
from knowledge_base.calendar import HOLIDAY_RULES
from knowledge_base.model import WEEKDAYS

MAX_TEXT = 2000  # characters in any one field; content is spoken, so this is generous
MAX_TERM = 80  # characters in one synonym or keyword
_HOURS = re.compile(r"\d{2}:\d{2}-\d{2}:\d{2}")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One form field. `path` is where it lives in the entry ("hours.monday" is nested)."""

    path: str
    label: str
    kind: str  # text | spoken | list | choice | date | hours
    required: bool = True
    hint: str = ""
    choices: str = ""  # for kind "choice": which list of options (see `choice_options`)
    speak: bool = False  # a name said inside answers: checked like spoken text, bar length
    keep_null: bool = False  # an empty value is kept as null (the model requires the key)
    group: str = ""  # fields shown together under one heading (see GROUPS)

    @property
    def dom_id(self) -> str:
        return "f-" + self.path.replace(".", "-")


@dataclass(frozen=True, slots=True)
class Section:
    """A content type staff edit as a list of entries."""

    slug: str  # in URLs
    key: str  # in the content document
    title: str
    singular: str
    label: str  # the field that names an entry in lists and messages
    fields: tuple[FieldSpec, ...]
    columns: tuple[str, ...]  # field paths shown in the list
    filter_field: str | None = None
    checks: tuple[Callable[[Mapping[str, Any], list[dict[str, Any]], int | None], Errors], ...] = ()

    def field(self, path: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.path == path), None)


Errors = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class FormResult:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    entry: dict[str, Any] | None = None


def entry_key(section: Section, entry: Mapping[str, Any]) -> str:
    """The entry's id in URLs: its `id`, or for holidays (which have none) name and date."""
    if "id" in entry:
        return str(entry["id"])
    return slug(f"{entry.get('name', '')} {entry.get('date') or ''}")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "entry"


def find_entry(section: Section, entries: list[dict[str, Any]], key: str) -> int | None:
    return next((i for i, e in enumerate(entries) if entry_key(section, e) == key), None)


def entry_values(section: Section, entry: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields filled from an entry, as text."""
    values: dict[str, str] = {}
    for spec in section.fields:
        value = _get(entry, spec.path)
        if value is None:
            values[spec.path] = ""
        elif isinstance(value, list):
            values[spec.path] = ", ".join(str(v) for v in value)
        else:
            values[spec.path] = str(value)
    return values


def choice_options(spec: FieldSpec, document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(value, label) pairs for a choice field, from the document where they live there."""
    if spec.choices == "disposal":
        return [(k, k.replace("_", " ").capitalize()) for k in document["disposal_methods"]]
    if spec.choices == "municipality":
        towns = [(m["id"], m["name"]) for m in document["municipalities"]]
        return [("", "All of Durham Region"), *towns] if not spec.required else towns
    if spec.choices == "holiday_rule":
        return [(r, _RULE_LABELS.get(r, r)) for r in HOLIDAY_RULES]
    raise ValueError(f"unknown choices {spec.choices!r}")


_RULE_LABELS = {
    "shift_week": "Shift the week: that day and the rest of the week move one day later",
    "shift_day": "Shift the day: only that day's collection moves to the next day",
    "no_change": "No change: collection as usual",
}


def read_entry(
    section: Section,
    form: Mapping[str, str],
    document: Mapping[str, Any],
    index: int | None,
) -> FormResult:
    """The entry a submitted form describes, or the errors that keep it from being saved.

    `index` is the entry being edited (None for a new one); its fields not on the form
    (aliases, kind, ids) are kept as they were.
    """
    entries: list[dict[str, Any]] = list(document[section.key])
    values = {spec.path: str(form.get(spec.path, "")).strip() for spec in section.fields}
    errors: Errors = {}
    entry: dict[str, Any] = dict(entries[index]) if index is not None else {}
    for spec in section.fields:
        try:
            value = _convert(spec, values[spec.path], document)
        except _Invalid as exc:
            errors.setdefault(spec.path, []).append(str(exc))
            continue
        if (spec.speak or spec.kind == "spoken") and isinstance(value, str):
            spoken = problems(value) if spec.kind == "spoken" else _name_problems(value)
            if spoken:
                errors.setdefault(spec.path, []).extend(spoken)
        _set(entry, spec.path, value, keep_null=spec.keep_null)
    for check in section.checks:  # also when a field is wrong: staff see every problem at once
        for path, messages in check(entry, entries, index).items():
            if path not in errors:
                errors[path] = messages
    if errors:
        return FormResult(values, errors)
    if index is None and section.key != "collection_holidays":
        entry = {"id": _new_id(section, entry, entries), **entry}
    return FormResult(values, {}, entry)


class _Invalid(Exception):
    pass


def _convert(spec: FieldSpec, text: str, document: Mapping[str, Any]) -> Any:
    if len(text) > MAX_TEXT:
        raise _Invalid(f"This is {len(text)} characters; keep it under {MAX_TEXT}.")
    if not text:
        if spec.required:
            raise _Invalid(f"{spec.label} is required.")
        return [] if spec.kind == "list" else None
    if spec.kind in ("text", "spoken"):
        return " ".join(text.split()) if spec.kind == "text" else text
    if spec.kind == "list":
        return _terms(text)
    if spec.kind == "choice":
        if text not in {value for value, _ in choice_options(spec, document)}:
            raise _Invalid("Choose one of the options in the list.")
        return text
    if spec.kind == "date":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            date.fromisoformat(text)
        except ValueError:
            raise _Invalid("Give a date like 2026-12-24 (year, month, day).") from None
        return text
    if spec.kind == "hours":
        return _hours(text)
    raise ValueError(f"unknown field kind {spec.kind!r}")


def _terms(text: str) -> list[str]:
    terms: list[str] = []
    for raw in re.split(r"[,\n]", text):
        term = " ".join(raw.split()).lower()
        if not term or term in terms:
            continue
        if len(term) > MAX_TERM:
            raise _Invalid(f'"{term[:30]}…" is longer than {MAX_TERM} characters.')
        if re.search(r"[^\w\s'&.-]", term):
            raise _Invalid(f'"{term}" has symbols; write it the way a resident would say it.')
        terms.append(term)
    return terms


def _hours(text: str) -> str:
    value = text.lower().replace(" ", "").replace("–", "-")
    if value == "closed":
        return value
    if not _HOURS.fullmatch(value):
        raise _Invalid('Give hours like "08:00-16:00" (24-hour clock), or "closed".')
    opens, closes = value.split("-")
    for moment in (opens, closes):
        hour, minute = map(int, moment.split(":"))
        if hour > 23 or minute > 59:
            raise _Invalid(f'"{moment}" is not a time of day; use 00:00 to 23:59.')
    if closes <= opens:
        raise _Invalid("The closing time must be after the opening time.")
    return value


def _name_problems(text: str) -> list[str]:
    """A name or title is spoken inside sentences: abbreviations and symbols matter, length
    does not (it is not said alone)."""
    return [p for p in problems(text) if " words: " not in p]


def _get(entry: Mapping[str, Any], path: str) -> Any:
    value: Any = entry
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _set(entry: dict[str, Any], path: str, value: Any, *, keep_null: bool) -> None:
    *parents, last = path.split(".")
    target = entry
    for part in parents:
        target[part] = dict(target.get(part) or {})
        target = target[part]
    if value is None and not keep_null:
        target.pop(last, None)
    else:
        target[last] = value


def _new_id(section: Section, entry: Mapping[str, Any], entries: list[dict[str, Any]]) -> str:
    taken = {str(e.get("id")) for e in entries}
    base = slug(str(entry.get(section.label, "")))
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# --------------------------------------------------------------------------- checks


def _unique_item_names(
    entry: Mapping[str, Any], entries: list[dict[str, Any]], index: int | None
) -> Errors:
    """A name or synonym may belong to one item only; otherwise a resident's question
    would have two answers."""
    owner: dict[str, str] = {}
    for i, other in enumerate(entries):
        if i != index:
            for term in [other["name"], *other.get("synonyms", [])]:
                owner.setdefault(str(term).lower(), str(other["name"]))
    errors: Errors = {}
    name = str(entry.get("name", "")).lower()
    if name in owner:
        errors["name"] = [f'"{entry["name"]}" is already used by the item "{owner[name]}".']
    clashes = [t for t in entry.get("synonyms", []) if t in owner and t != name]
    if clashes:
        errors["synonyms"] = [f'"{t}" is already used by the item "{owner[t]}".' for t in clashes]
    return errors


def _unique_question(
    entry: Mapping[str, Any], entries: list[dict[str, Any]], index: int | None
) -> Errors:
    question = str(entry.get("question", "")).lower().rstrip("?")
    for i, other in enumerate(entries):
        if i != index and str(other["question"]).lower().rstrip("?") == question:
            return {"question": ["Another article already asks this question."]}
    return {}


def _ends_after_start(
    entry: Mapping[str, Any], entries: list[dict[str, Any]], index: int | None
) -> Errors:
    starts, ends = entry.get("starts"), entry.get("ends")
    if starts is not None and ends is not None and str(ends) < str(starts):
        return {"ends": [f"The alert ends ({ends}) before it starts ({entry['starts']})."]}
    return {}


def _one_rule_per_holiday(
    entry: Mapping[str, Any], entries: list[dict[str, Any]], index: int | None
) -> Errors:
    for i, other in enumerate(entries):
        same_day = entry.get("date") is not None and other.get("date") == entry.get("date")
        same_name = (
            entry.get("date") is None
            and other.get("date") is None
            and str(other["name"]).lower() == str(entry.get("name", "")).lower()
        )
        if i != index and (same_day or same_name):
            return {"name" if same_name else "date": ["This holiday already has a rule."]}
    return {}


_DAYS = tuple(
    FieldSpec(f"hours.{day}", day.capitalize(), "hours", group="hours") for day in WEEKDAYS
)
# Headings and hints for grouped fields.
GROUPS = {
    "hours": ("Opening hours", 'Each day as "08:00-16:00" (24-hour clock), or "closed".'),
}

SECTIONS = (
    Section(
        slug="waste-items",
        key="waste_items",
        title="Waste items",
        singular="waste item",
        label="name",
        fields=(
            FieldSpec("name", "Name", "text", speak=True,
                      hint="Said inside answers, as residents would say it: pizza boxes."),
            FieldSpec("synonyms", "Other names residents use", "list", required=False,
                      hint="Separate with commas, e.g. pizza box, greasy pizza box."),
            FieldSpec("disposal", "Where it goes", "choice", choices="disposal"),
            FieldSpec("tip", "Tip", "spoken", required=False,
                      hint="Said after the answer. Plain words, 60 words at most."),
        ),
        columns=("name", "disposal", "synonyms"),
        filter_field="disposal",
        checks=(_unique_item_names,),
    ),
    Section(
        slug="faq",
        key="faq",
        title="FAQ articles",
        singular="FAQ article",
        label="question",
        fields=(
            FieldSpec("question", "Question", "text", speak=True),
            FieldSpec("keywords", "Keywords and phrasings", "list",
                      hint="Words residents say when they ask this, separated by commas."),
            FieldSpec("answer", "Spoken answer", "spoken",
                      hint="Read aloud as written: 60 words at most, no web links or symbols."),
        ),
        columns=("question", "keywords"),
        checks=(_unique_question,),
    ),
    Section(
        slug="facilities",
        key="facilities",
        title="Facilities and hours",
        singular="facility",
        label="name",
        fields=(
            FieldSpec("name", "Name", "text", speak=True),
            FieldSpec("address", "Address", "text", speak=True,
                      hint='Spoken: write "Road", not "Rd."'),
            FieldSpec("phone", "Phone", "text", required=False),
            *_DAYS,
            FieldSpec("holiday_hours", "On holidays", "hours", hint='Usually "closed".'),
            FieldSpec("fees", "Fees", "spoken", required=False),
        ),
        columns=("name", "address"),
    ),
    Section(
        slug="alerts",
        key="alerts",
        title="Alerts",
        singular="alert",
        label="title",
        fields=(
            FieldSpec("title", "Title", "text", speak=True),
            FieldSpec("municipality", "Where", "choice", required=False, choices="municipality",
                      keep_null=True),
            FieldSpec("starts", "Starts", "date"),
            FieldSpec("ends", "Ends", "date", required=False, keep_null=True,
                      hint="Leave empty for an alert with no end date."),
            FieldSpec("message", "Spoken message", "spoken"),
        ),
        columns=("title", "municipality", "starts", "ends"),
        checks=(_ends_after_start,),
    ),
    Section(
        slug="holidays",
        key="collection_holidays",
        title="Holidays",
        singular="holiday",
        label="name",
        fields=(
            FieldSpec("name", "Holiday", "text",
                      hint="An Ontario holiday's name (every year), or any name with a date."),
            FieldSpec("rule", "Collection that week", "choice", choices="holiday_rule"),
            FieldSpec("date", "Only on this date", "date", required=False,
                      hint="Leave empty to apply every year."),
        ),
        columns=("name", "rule", "date"),
        checks=(_one_rule_per_holiday,),
    ),
)  # fmt: skip
SECTION_BY_SLUG = {s.slug: s for s in SECTIONS}
