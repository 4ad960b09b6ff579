"""Reading a POST requests body (application/x-www-form-urlencoded) into a `NewRequest`.

Two steps, so the web edge can check the api_key between them: `parse_form` only decodes
(malformed or non-UTF-8 bodies fail here), `to_new_request` checks the content against
the service's definition (required attributes, list values, a location, lengths).
Error messages name the field, never repeat what a person typed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from open311.errors import InvalidSubmission, UnknownService
from open311.types import MAX_DESCRIPTION, NewRequest, ServiceAttribute, ServiceType

MAX_FIELDS = 200
# Longest value accepted per field: room for any real entry, no room for abuse.
_LIMITS = {
    "service_code": 200, "api_key": 200, "jurisdiction_id": 200, "address_string": 1000,
    "address_id": 200, "email": 254, "device_id": 200, "account_id": 200, "first_name": 200,
    "last_name": 200, "phone": 64, "description": MAX_DESCRIPTION, "media_url": 2000,
    "lat": 64, "long": 64,
}  # fmt: skip
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")
# C0 controls other than tab, newline and carriage return, and DEL: never in honest text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ATTRIBUTE_TEXT_LIMIT = {"string": 1000, "text": MAX_DESCRIPTION}


@dataclass(frozen=True, slots=True)
class Form:
    """A decoded form: single fields by name, attribute values by code (in the order sent)."""

    fields: Mapping[str, str]
    attributes: Mapping[str, tuple[str, ...]]

    def get(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value if value else None


def parse_form(body: bytes, query: Sequence[tuple[str, str]] = ()) -> Form:
    """Decode a form body (plus query parameters, which some clients use for api_key).

    A field given twice is refused rather than one copy silently winning.
    """
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise InvalidSubmission("the form is not UTF-8") from None
    except ValueError:
        raise InvalidSubmission("the form is not application/x-www-form-urlencoded") from None
    fields: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, value in [*query, *pairs]:
        if _CONTROL.search(value) or _CONTROL.search(name):
            raise InvalidSubmission(f"field {_safe_name(name)} holds control characters")
        match = _ATTRIBUTE.fullmatch(name)
        if match:
            _add_attribute(attributes, match.group(1), value, multiple=bool(match.group(2)))
        elif name in fields:
            raise InvalidSubmission(f"field {_safe_name(name)} is given more than once")
        else:
            fields[name] = value.strip()
    for name, limit in _LIMITS.items():
        if len(fields.get(name, "")) > limit:
            raise InvalidSubmission(f"{name} is longer than {limit} characters")
    return Form(fields, {code: tuple(values) for code, values in attributes.items()})


def _add_attribute(into: dict[str, list[str]], code: str, value: str, *, multiple: bool) -> None:
    values = into.setdefault(code, [])
    if values and not multiple:
        raise InvalidSubmission(f"attribute[{_safe_name(code)}] is given more than once")
    if value.strip():
        values.append(value.strip())


def _safe_name(name: str) -> str:
    """A field name fit to quote back: short and printable (it is the client's, not a person's)."""
    return repr(_CONTROL.sub("?", name[:60]))


def to_new_request(form: Form, services: Mapping[str, ServiceType]) -> NewRequest:
    """The checked request, or `InvalidSubmission` saying which field is wrong."""
    code = form.get("service_code")
    if code is None:
        raise InvalidSubmission("service_code is required")
    service = services.get(code)
    if service is None:
        raise UnknownService(f"service_code {code!r} is not a service offered here")
    lat, long = _location(form)
    return NewRequest(
        service_code=code,
        address_string=form.get("address_string"),
        lat=lat,
        long=long,
        address_id=form.get("address_id"),
        description=form.get("description"),
        attributes=_attributes(form.attributes, service.attributes, code),
        email=_email(form.get("email")),
        device_id=form.get("device_id"),
        account_id=form.get("account_id"),
        first_name=form.get("first_name"),
        last_name=form.get("last_name"),
        phone=form.get("phone"),
        media_url=_media_url(form.get("media_url")),
    )


def _location(form: Form) -> tuple[float | None, float | None]:
    lat, long = form.get("lat"), form.get("long")
    if (lat is None) != (long is None):
        raise InvalidSubmission("lat and long must be given together")
    if lat is None or long is None:
        if form.get("address_string") is None and form.get("address_id") is None:
            raise InvalidSubmission("a location is required: lat and long, address_string or "
                                    "address_id")  # fmt: skip
        return None, None
    return _coordinate("lat", lat, 90.0), _coordinate("long", long, 180.0)


def _coordinate(name: str, text: str, bound: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidSubmission(f"{name} must be a decimal number") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise InvalidSubmission(f"{name} must be between -{bound:g} and {bound:g}")
    return value


def _email(text: str | None) -> str | None:
    if text is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise InvalidSubmission("email is not an email address")
    return text


def _media_url(text: str | None) -> str | None:
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise InvalidSubmission("media_url must be an http or https URL")
    return text


def _attributes(
    given: Mapping[str, tuple[str, ...]], defined: Sequence[ServiceAttribute], service_code: str
) -> dict[str, tuple[str, ...]]:
    """Only the service's variable attributes; required ones present; values of the right kind."""
    known = {a.code: a for a in defined if a.variable}
    for code in given:
        if code not in known:
            raise InvalidSubmission(f"service {service_code!r} has no attribute {_safe_name(code)}")
    checked: dict[str, tuple[str, ...]] = {}
    for attribute in sorted(known.values(), key=lambda a: a.order):
        values = given.get(attribute.code, ())
        if not values:
            if attribute.required:
                raise InvalidSubmission(f"attribute[{attribute.code}] is required")
            continue
        _check_values(attribute, values)
        checked[attribute.code] = values
    return checked


def _check_values(attribute: ServiceAttribute, values: tuple[str, ...]) -> None:
    name = f"attribute[{attribute.code}]"
    if attribute.datatype != "multivaluelist" and len(values) > 1:
        raise InvalidSubmission(f"{name} takes one value")
    if attribute.datatype in ("singlevaluelist", "multivaluelist"):
        keys = {v.key for v in attribute.values}
        if any(v not in keys for v in values):
            raise InvalidSubmission(f"{name} must be one of: {', '.join(sorted(keys))}")
    elif attribute.datatype == "number":
        try:
            if not math.isfinite(float(values[0])):
                raise ValueError
        except ValueError:
            raise InvalidSubmission(f"{name} must be a number") from None
    elif attribute.datatype == "datetime":
        parse_w3c(values[0], name)
    elif len(values[0]) > _ATTRIBUTE_TEXT_LIMIT.get(attribute.datatype, MAX_DESCRIPTION):
        raise InvalidSubmission(f"{name} is too long")


def parse_w3c(text: str, name: str) -> datetime:
    """A W3C datetime with its offset (Z or ±HH:MM); a date alone or a naive time is refused."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidSubmission(f"{name} must be a W3C datetime such as "
                                "2026-11-23T10:00:00-05:00") from None  # fmt: skip
    if moment.tzinfo is None or "T" not in text.upper():
        raise InvalidSubmission(f"{name} must include a time and a timezone offset")
    return moment
