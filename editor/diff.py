"""A readable difference between two content documents, for history and publishing review.

A line diff of two JSON documents would show braces and reordered keys; staff need
"Waste item pizza boxes: Where it goes was green bin, now blue box". Entries in lists
are matched by their id (or code, or name and date for holidays), so moving an entry
is no change, and each changed entry lists only the fields that changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from editor.forms import SECTIONS

_SECTION_NAMES = {
    "organisation": "Organisation",
    "municipalities": "Municipality",
    "disposal_methods": "Disposal methods",
    "waste_streams": "Waste stream",
    "collection_zones": "Collection zone",
    "collection_holidays": "Holiday",
    "waste_items": "Waste item",
    "facilities": "Facility",
    "faq": "FAQ article",
    "alerts": "Alert",
    "safety": "Safety advice",
    "who_handles": "Who handles what",
    "service_types": "Service type",
}
_FIELD_LABELS = {(s.key, f.path): f.label for s in SECTIONS for f in s.fields}
_FIELD_ORDER = {(s.key, f.path): i for s in SECTIONS for i, f in enumerate(s.fields)}
# Fields holding a code ("green_bin", "shift_week", "ajax"): shown as words.
_CODED = {(s.key, f.path) for s in SECTIONS for f in s.fields if f.kind == "choice"}
_KEYS = ("id", "code", "key")


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str | None  # None: the field was not there
    new: str | None


@dataclass(frozen=True, slots=True)
class Change:
    section: str  # "Waste item"
    entry: str  # "pizza boxes"
    kind: str  # added | removed | changed
    fields: tuple[FieldChange, ...]


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What changed from `old` to `new`, section by section in the document's order."""
    changes: list[Change] = []
    for key in dict.fromkeys([*old, *new]):
        if key == "schema_version":
            continue
        section = _SECTION_NAMES.get(key, key.replace("_", " ").capitalize())
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if _is_entry_list(before) and _is_entry_list(after):
            changes.extend(_list_changes(key, section, before or [], after or []))
        else:
            fields = _field_changes(key, _flatten(before), _flatten(after))
            if fields:
                changes.append(Change(section, "", "changed", fields))
    return changes


def _is_entry_list(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, dict) for v in value))


def _identity(entry: Mapping[str, Any]) -> str:
    for key in _KEYS:
        if key in entry:
            return str(entry[key])
    return f"{entry.get('name', '')} {entry.get('date') or ''}".strip()


def _label(entry: Mapping[str, Any]) -> str:
    for key in ("name", "title", "question"):
        if entry.get(key):
            return str(entry[key])
    return _identity(entry)


def _list_changes(
    key: str, section: str, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[Change]:
    old_by_id = {_identity(e): e for e in before}
    new_by_id = {_identity(e): e for e in after}
    changes: list[Change] = []
    for ident, entry in new_by_id.items():
        if ident not in old_by_id:
            fields = _field_changes(key, {}, _flatten(entry))
            changes.append(Change(section, _label(entry), "added", fields))
        elif old_by_id[ident] != entry:
            fields = _field_changes(key, _flatten(old_by_id[ident]), _flatten(entry))
            changes.append(Change(section, _label(entry), "changed", fields))
    for ident, entry in old_by_id.items():
        if ident not in new_by_id:
            changes.append(Change(section, _label(entry), "removed", ()))
    return changes


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Dotted paths to display text; lists of entries by id, lists of words as one line."""
    if isinstance(value, Mapping):
        flat: dict[str, str] = {}
        for k, v in value.items():
            flat.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return flat
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        flat = {}
        for item in value:
            flat.update(_flatten(item, f"{prefix}[{_identity(item)}]"))
        return flat
    if isinstance(value, list):
        return {prefix: ", ".join(map(str, value))}
    if value is None:
        return {}
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return {prefix: text}


def _field_changes(key: str, old: dict[str, str], new: dict[str, str]) -> tuple[FieldChange, ...]:
    def shown(path: str, value: str | None) -> str | None:
        if value is None or (key, path) not in _CODED:
            return value
        return value.replace("_", " ").capitalize()

    return tuple(
        FieldChange(
            _FIELD_LABELS.get((key, path), path),
            shown(path, old.get(path)),
            shown(path, new.get(path)),
        )
        for path in sorted(
            dict.fromkeys([*old, *new]), key=lambda p: _FIELD_ORDER.get((key, p), 99)
        )
        if old.get(path) != new.get(path)
    )
