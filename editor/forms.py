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
from knowledge_base.services_model import LOCAL

MAX_TEXT = 2000  # characters in any one field; content is spoken, so this is generous
MAX_TERM = 80  # characters in one synonym or keyword
_HOURS = re.compile(r"\d{2}:\d{2}-\d{2}:\d{2}")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One form field. `path` is where it lives in the entry ("hours.monday" is nested)."""

    path: str
    label: str
    kind: str  # text | spoken | list | choice | date | hours | number | phone
    required: bool = True
    hint: str = ""
    choices: str = ""  # for kind "choice": which list of options (see `choice_options`)
    speak: bool = False  # a name said inside answers: checked like spoken text, bar length
    keep_null: bool = False  # an empty value is kept as null (the model requires the key)
    group: str = ""  # fields shown together under one heading (see GROUPS)
    blank: str = ""  # for an optional choice: what leaving it empty means

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
    # Where the entries live when not at the top of the document ("who_handles", "agencies").
    path: tuple[str, ...] = ()
    id_field: str = "id"  # "" when entries have no id (holidays, Regional roads)
    can_add: bool = True
    # Fields that depend on the content (one per municipality, say), after `fields`.
    more_fields: Callable[[Mapping[str, Any]], tuple[FieldSpec, ...]] | None = None
    # Tidies an entry read from the form before it is saved (drops empty mappings, say).
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # What the form shows but does not edit, as (heading, lines) pairs.
    facts: Callable[[Mapping[str, Any]], list[tuple[str, list[str]]]] | None = None

    @property
    def where(self) -> tuple[str, ...]:
        return self.path or (self.key,)

    def field(self, path: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.path == path), None)

    def fields_for(self, document: Mapping[str, Any]) -> tuple[FieldSpec, ...]:
        more = self.more_fields(document) if self.more_fields is not None else ()
        return (*self.fields, *more)


def entries_of(section: Section, document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The section's entries in a content document (nested ones included)."""
    value: Any = document
    for part in section.where:
        value = value[part]
    return list(value)


Errors = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class FormResult:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    entry: dict[str, Any] | None = None


def entry_key(section: Section, entry: Mapping[str, Any]) -> str:
    """The entry's id in URLs: its `id` (or `code`), or for entries with none, such as
    holidays and Regional roads, their name and date."""
    if section.id_field and section.id_field in entry:
        return str(entry[section.id_field])
    return slug(f"{entry.get('name', '')} {entry.get('date') or ''}")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "entry"


def find_entry(section: Section, entries: list[dict[str, Any]], key: str) -> int | None:
    return next((i for i, e in enumerate(entries) if entry_key(section, e) == key), None)


def entry_values(
    section: Section, entry: Mapping[str, Any], document: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The form's fields filled from an entry, as text (with `document`, its
    content-dependent fields too)."""
    values: dict[str, str] = {}
    for spec in section.fields if document is None else section.fields_for(document):
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
    if spec.choices in ("agency", "agency_or_local"):
        agencies = [(a["id"], _sentence_start(str(a["name"])))
                    for a in document["who_handles"]["agencies"]]  # fmt: skip
        if spec.choices == "agency_or_local":
            agencies.append((LOCAL, "Their own town"))
        return agencies if spec.required else [("", spec.blank or "None"), *agencies]
    if spec.choices == "responsibility":
        return [(r["id"], _sentence_start(str(r["name"])))
                for r in document["who_handles"]["responsibilities"]]  # fmt: skip
    if spec.choices == "contact":  # empty means "none", the first option
        return [("none", "Nothing: the report is enough"),
                ("phone", "A phone number: the crew calls the resident")]  # fmt: skip
    raise ValueError(f"unknown choices {spec.choices!r}")


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


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
    entries = entries_of(section, document)
    specs = section.fields_for(document)
    values = {spec.path: str(form.get(spec.path, "")).strip() for spec in specs}
    errors: Errors = {}
    entry: dict[str, Any] = dict(entries[index]) if index is not None else {}
    for spec in specs:
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
    if section.finish is not None:
        entry = section.finish(entry)
    if index is None and section.id_field:
        entry = {section.id_field: _new_id(section, entry, entries), **entry}
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
    if spec.kind == "number":
        if not text.isdigit() or len(text) > 6 or int(text) < 1:
            raise _Invalid("Give a whole number, 1 or more.")
        return int(text)
    if spec.kind == "phone":
        return _phone(text)
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


def _phone(text: str) -> str:
    """A number as residents dial it: digits, with hyphens or spaces between groups."""
    value = " ".join(text.split())
    if not re.fullmatch(r"\d[\d -]*\d", value) or sum(c.isdigit() for c in value) < 3:
        raise _Invalid('Give the number as dialled, digits and hyphens: "905-668-7711" or "311".')
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
    taken = {str(e.get(section.id_field)) for e in entries}
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
    "by_municipality": (
        "Exceptions by town",
        "Only where a town differs from \u201chandled by\u201d above; leave the rest as they are.",
    ),
}


def _town_fields(document: Mapping[str, Any]) -> tuple[FieldSpec, ...]:
    """One row per municipality: who handles this there, when not the default."""
    return tuple(
        FieldSpec(f"by_municipality.{town['id']}", str(town["name"]), "choice", required=False,
                  choices="agency_or_local", blank="As above", group="by_municipality")
        for town in document["municipalities"]
    )  # fmt: skip


def _tidy_responsibility(entry: dict[str, Any]) -> dict[str, Any]:
    """No empty exceptions or keywords left behind: the content leaves them out."""
    return {k: v for k, v in entry.items()
            if not (k in ("by_municipality", "keywords") and not v)}  # fmt: skip


def _tidy_service_type(entry: dict[str, Any]) -> dict[str, Any]:
    """Contact "none" is the model's default for contact; the content leaves it out."""
    return {k: v for k, v in entry.items() if not (k == "contact" and v in (None, "none"))}


def _contact_reason_given(
    entry: Mapping[str, Any], entries: list[dict[str, Any]], index: int | None
) -> Errors:
    """A resident asked for a phone number is told why; without a reason, refuse."""
    if entry.get("contact") == "phone" and not entry.get("contact_reason"):
        return {"contact_reason": ["Say why the crew needs the resident's phone number; "
                                   "residents hear it when they are asked."]}  # fmt: skip
    return {}


def _unique_name(
    entry: Mapping[str, Any], entries: list[dict[str, Any]], index: int | None
) -> Errors:
    name = str(entry.get("name", "")).lower()
    if any(i != index and str(e.get("name", "")).lower() == name for i, e in enumerate(entries)):
        return {"name": ["Another entry already has this name."]}
    return {}


def _report_questions(entry: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """A service type's questions, shown read-only: they are tied to the speech model."""
    lines = []
    for attribute in entry.get("attributes", []):
        answers = ", ".join(str(v.get("name")) for v in attribute.get("values") or [])
        required = "required" if attribute.get("required") else "optional"
        lines.append(f"{attribute.get('question')} ({required}{'; ' if answers else ''}"
                     f"{answers})")  # fmt: skip
    return [("Questions asked when reporting", lines or ["None."]),
            ("Open311 code", [str(entry.get("code", ""))])]  # fmt: skip


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
    Section(
        slug="agencies",
        key="agencies",
        path=("who_handles", "agencies"),
        title="Agencies",
        singular="agency",
        label="name",
        fields=(
            FieldSpec("name", "Name", "text", speak=True,
                      hint="As said in a sentence: the City of Oshawa."),
            FieldSpec("phone", "Phone", "phone", hint="As dialled: 905-436-3311, or 311."),
            FieldSpec("website", "Website", "text", speak=True,
                      hint='As said: "oshawa.ca", without https:// or www.'),
        ),
        columns=("name", "phone", "website"),
        checks=(_unique_name,),
    ),
    Section(
        slug="who-handles",
        key="responsibilities",
        path=("who_handles", "responsibilities"),
        title="Who handles what",
        singular="responsibility",
        label="name",
        fields=(
            FieldSpec("name", "Service", "text", speak=True,
                      hint="As said in a sentence: garbage collection."),
            FieldSpec("handled_by", "Handled by", "choice", choices="agency_or_local",
                      hint="Everywhere, unless a town below says otherwise."),
            FieldSpec("on_regional_roads", "On Regional roads", "choice", required=False,
                      choices="agency", blank="The same as elsewhere",
                      hint="Only for road services that the Region handles on its own roads."),
            FieldSpec("keywords", "Keywords", "list", required=False,
                      hint="How residents ask about it, separated by commas: parking ticket."),
        ),
        columns=("name", "handled_by", "on_regional_roads", "keywords"),
        filter_field="handled_by",
        checks=(_unique_name,),
        more_fields=_town_fields,
        finish=_tidy_responsibility,
    ),
    Section(
        slug="regional-roads",
        key="regional_roads",
        path=("who_handles", "regional_roads"),
        title="Regional roads",
        singular="Regional road",
        label="name",
        id_field="",
        fields=(
            FieldSpec("name", "Name", "text", speak=True,
                      hint="As said, with no direction: simcoe street."),
            FieldSpec("number", "Regional road number", "number"),
            FieldSpec("municipalities", "Municipalities", "list",
                      hint="Town ids, separated by commas: oshawa, whitby."),
        ),
        columns=("name", "number", "municipalities"),
        checks=(_unique_name,),
    ),
    Section(
        slug="service-types",
        key="service_types",
        title="Service types",
        singular="service type",
        label="name",
        id_field="code",
        can_add=False,
        fields=(
            FieldSpec("name", "Name", "text", hint="The Open311 service name: Pothole."),
            FieldSpec("spoken", "Said as", "text", speak=True,
                      hint="As said in a sentence: a pothole."),
            FieldSpec("responsibility", "Who handles it", "choice", choices="responsibility"),
            FieldSpec("group", "Group", "text", hint="The Open311 group: roads, waste."),
            FieldSpec("description", "Description", "spoken",
                      hint="Read aloud as written: 60 words at most, no web links or symbols."),
            FieldSpec("keywords", "Keywords", "list",
                      hint="How residents describe it, separated by commas."),
            FieldSpec("contact", "Ask the resident for", "choice", required=False,
                      choices="contact"),
            FieldSpec("contact_reason", "Why we ask", "spoken", required=False,
                      hint="Required when a phone number is asked for: residents hear it."),
        ),
        columns=("name", "responsibility", "group", "keywords"),
        filter_field="responsibility",
        checks=(_contact_reason_given,),
        finish=_tidy_service_type,
        facts=_report_questions,
    ),
)  # fmt: skip
SECTION_BY_SLUG = {s.slug: s for s in SECTIONS}
