"""Reading GeoReport v2 documents (JSON and XML) into the package's types.

Both formats are first brought to one neutral shape (dicts, lists and scalars, the
Spark convention the spec uses to map XML to JSON), then one set of readers checks it.
That keeps JSON and XML answers from drifting apart in what they accept.

Real servers are tolerated where the spec is loose: missing optional fields, empty
elements (None), numbers as strings and strings as numbers, "true"/"false" as text, a
bare object where a one-item list was due. What cannot be read as GeoReport v2 raises
Open311ProtocolError naming the document and the field, never KeyError or TypeError;
messages never quote a text value, since answers hold residents' addresses.

XML goes through defusedxml with DTDs refused outright: no entity expansion (billion
laughs) and no external entities can ever be reached, whatever the server sends.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as StdET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import defusedxml
import defusedxml.ElementTree as SafeET

from open311.errors import ErrorItem, Open311ProtocolError
from open311.types import (
    DATATYPES,
    SERVICE_KINDS,
    STATUSES,
    AttributeValue,
    Receipt,
    Service,
    ServiceAttribute,
    ServiceDefinition,
    ServiceRequest,
    TokenStatus,
)

FORMATS = ("json", "xml")
GEOREPORT_V2 = "http://wiki.open311.org/GeoReport_v2"
# XML elements that hold a list, and the name of one item: the spec's "⇊" rows.
LIST_ELEMENTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
MAX_DEPTH = 16  # the deepest GeoReport document (a definition's value key) is 6 levels

_T = TypeVar("_T")
Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DiscoveryEndpoint:
    """One API a provider offers; `formats` are MIME types (text/xml, application/json)."""

    specification: str
    url: str
    changeset: str | None = None
    type: str | None = None  # "production" or "test"
    formats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Discovery:
    """The service discovery document: where each API version lives and what it speaks."""

    changeset: str | None = None
    contact: str | None = None
    key_service: str | None = None
    endpoints: tuple[DiscoveryEndpoint, ...] = ()

    def georeport_v2(self, *, production: bool = True) -> tuple[DiscoveryEndpoint, ...]:
        """The GeoReport v2 endpoints of one kind, so a caller need not compare URLs itself."""
        wanted = "production" if production else "test"
        return tuple(
            e
            for e in self.endpoints
            if e.specification.rstrip("/") == GEOREPORT_V2 and (e.type or "production") == wanted
        )


# ---------------------------------------------------------------- public readers


def parse_discovery(body: bytes, fmt: str) -> Discovery:
    """discovery.{fmt}: one object (XML root <discovery>)."""
    doc = _record(_load(body, fmt, root="discovery"), "discovery")
    endpoints = tuple(
        _read_endpoint(_record(item, "discovery endpoint"))
        for item in _as_list(doc.get("endpoints"), "endpoint", "discovery endpoints")
    )
    return Discovery(
        changeset=_text(doc, "changeset"),
        contact=_text(doc, "contact"),
        key_service=_text(doc, "key_service"),
        endpoints=endpoints,
    )


def parse_services(body: bytes, fmt: str) -> list[Service]:
    """services.{fmt}: a list of service types (XML root <services>)."""
    return _read_list(body, fmt, "services", "service", _read_service)


def parse_definition(body: bytes, fmt: str) -> ServiceDefinition:
    """services/{code}.{fmt}: one definition (XML root <service_definition>)."""
    node = _load(body, fmt, root="service_definition")
    if isinstance(node, list) and len(node) == 1:  # a one-item list is an object too
        node = node[0]
    doc = _record(node, "service definition")
    items = _as_list(doc.get("attributes"), "attribute", "service definition attributes")
    attributes = tuple(
        _read_attribute(_record(item, "attribute"), position)
        for position, item in enumerate(items, start=1)
    )
    return ServiceDefinition(_required_text(doc, "service_code", "service definition"), attributes)


def parse_receipt(body: bytes, fmt: str) -> Receipt:
    """POST requests.{fmt}: a one-item list holding an id, or a token to poll."""
    doc = _only(_read_list(body, fmt, "service_requests", "request", _identity), "POST answer")
    return Receipt(
        service_request_id=_text(doc, "service_request_id"),
        token=_text(doc, "token"),
        service_notice=_text(doc, "service_notice"),
        account_id=_text(doc, "account_id"),
    )


def parse_token(body: bytes, fmt: str, *, token: str | None = None) -> TokenStatus:
    """tokens/{token}.{fmt}: the id once it exists; `token` stands in if the answer omits it."""
    doc = _only(_read_list(body, fmt, "service_requests", "request", _identity), "token answer")
    found = _text(doc, "token") or token
    if found is None:
        raise Open311ProtocolError("token answer: 'token' is missing")
    return TokenStatus(token=found, service_request_id=_text(doc, "service_request_id"))


def parse_requests(body: bytes, fmt: str) -> list[ServiceRequest]:
    """requests.{fmt} and requests/{id}.{fmt}: a list of service requests."""
    return _read_list(body, fmt, "service_requests", "request", _read_request)


def parse_errors(body: bytes, fmt: str) -> tuple[ErrorItem, ...]:
    """The error list a 4xx carries (XML root <errors>); a single bare object is accepted."""
    return tuple(_read_list(body, fmt, "errors", "error", _read_error))


def parse_datetime(value: str, field: str = "datetime") -> datetime:
    """A W3C datetime; the offset is required, since guessing a zone would misdate a request."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Open311ProtocolError(f"{field}: {value!r} is not a W3C datetime") from None
    if parsed.tzinfo is None:
        raise Open311ProtocolError(f"{field}: {value!r} has no timezone offset")
    return parsed


def format_datetime(value: datetime) -> str:
    """The W3C form for query arguments (start_date, end_date): UTC written as Z."""
    if value.tzinfo is None:
        raise ValueError("datetimes sent to an Open311 server must be timezone-aware")
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- loading both formats


def _load(body: bytes, fmt: str, *, root: str) -> Any:
    """The document in the neutral shape; XML must have the expected root element."""
    if fmt == "json":
        return _load_json(body, root)
    if fmt == "xml":
        return _load_xml(body, root)
    raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")


def _load_json(body: bytes, root: str) -> Any:
    try:
        doc = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise Open311ProtocolError(f"{root}: the answer is not valid JSON ({exc})") from None
    if isinstance(doc, dict) and set(doc) == {root}:  # {"services": [...]} as some servers send
        return doc[root]
    return doc


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _load_xml(body: bytes, root: str) -> Any:
    try:
        element = SafeET.fromstring(body, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise Open311ProtocolError(f"{root}: XML refused for safety ({exc})") from None
    except StdET.ParseError as exc:
        raise Open311ProtocolError(f"{root}: the answer is not well-formed XML ({exc})") from None
    tag = _local(element.tag)
    if tag != root:
        raise Open311ProtocolError(f"expected an XML <{root}> document, got <{tag}>")
    return _xml_node(element, depth=0)


def _xml_node(element: StdET.Element, *, depth: int) -> Any:
    """An element as JSON would hold it: text, a list (for the list elements) or a dict."""
    if depth > MAX_DEPTH:
        raise Open311ProtocolError("the XML is nested deeper than any GeoReport document")
    tag, children = _local(element.tag), list(element)
    if not children:
        text = (element.text or "").strip()
        return text or None
    if tag in LIST_ELEMENTS:
        item = LIST_ELEMENTS[tag]
        return [_xml_node(c, depth=depth + 1) for c in children if _local(c.tag) == item]
    node: Record = {}
    for child in children:
        name = _local(child.tag)
        if name in node:
            raise Open311ProtocolError(f"<{tag}> repeats <{name}>, which may appear once")
        node[name] = _xml_node(child, depth=depth + 1)
    return node


def _local(tag: object) -> str:
    """An element name without a namespace: the spec allows its own URI as default xmlns."""
    return str(tag).rpartition("}")[2]


# ---------------------------------------------------------------- shape helpers


def _identity(record: Record) -> Record:
    return record


def _read_list(
    body: bytes, fmt: str, root: str, item: str, read: Callable[[Record], _T]
) -> list[_T]:
    what = root.replace("_", " ")
    items = _as_list(_load(body, fmt, root=root), item, what)
    return [read(_record(x, f"{what} item")) for x in items]


def _as_list(node: Any, item: str, what: str) -> list[Any]:
    """A list from a list, nothing, {item: ...} (Spark style) or one bare object."""
    if node is None:
        return []
    if isinstance(node, list):
        return node
    if isinstance(node, dict):
        if set(node) == {item}:
            return _as_list(node[item], item, what)
        return [node]
    raise Open311ProtocolError(f"{what}: expected a list, got {type(node).__name__}")


def _record(node: Any, what: str) -> Record:
    if not isinstance(node, dict):
        raise Open311ProtocolError(f"{what}: expected an object, got {type(node).__name__}")
    return node


def _only(records: list[Record], what: str) -> Record:
    if len(records) != 1:
        raise Open311ProtocolError(f"{what}: expected exactly one item, got {len(records)}")
    return records[0]


def _text(doc: Record, field: str) -> str | None:
    """An optional string; numbers are accepted (ids such as 638344 arrive unquoted)."""
    value = doc.get(field)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise Open311ProtocolError(f"{field}: expected text, got {type(value).__name__}")


def _required_text(doc: Record, field: str, what: str) -> str:
    value = _text(doc, field)
    if value is None:
        raise Open311ProtocolError(f"{what}: required field '{field}' is missing or empty")
    return value


def _bool(doc: Record, field: str, default: bool) -> bool:
    value = doc.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise Open311ProtocolError(f"{field}: expected true or false, got {value!r}")


def _number(doc: Record, field: str) -> float | None:
    value = _text(doc, field)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311ProtocolError(f"{field}: the value is not a number") from None
    if not math.isfinite(number):
        raise Open311ProtocolError(f"{field}: the value is not a finite number")
    return number


def _integer(doc: Record, field: str) -> int | None:
    value = _text(doc, field)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise Open311ProtocolError(f"{field}: {value!r} is not an integer") from None


def _choice(doc: Record, field: str, allowed: tuple[str, ...], default: str | None) -> str:
    value = _text(doc, field)
    if value is None:
        if default is None:
            raise Open311ProtocolError(f"required field '{field}' is missing or empty")
        return default
    if value.lower() not in allowed:
        raise Open311ProtocolError(f"{field}: {value!r} is not one of {', '.join(allowed)}")
    return value.lower()


def _when(doc: Record, field: str) -> datetime | None:
    value = _text(doc, field)
    return None if value is None else parse_datetime(value, field)


# ---------------------------------------------------------------- one reader per record


def _read_service(doc: Record) -> Service:
    keywords = _text(doc, "keywords") or ""
    return Service(
        service_code=_required_text(doc, "service_code", "service"),
        service_name=_required_text(doc, "service_name", "service"),
        description=_text(doc, "description"),
        metadata=_bool(doc, "metadata", False),
        type=_choice(doc, "type", SERVICE_KINDS, "realtime"),
        keywords=tuple(k.strip() for k in keywords.split(",") if k.strip()),
        group=_text(doc, "group"),
    )


def _read_attribute(doc: Record, position: int) -> ServiceAttribute:
    values = tuple(
        _read_value(_record(v, "attribute value"))
        for v in _as_list(doc.get("values"), "value", "attribute values")
    )
    order = _integer(doc, "order")
    return ServiceAttribute(
        code=_required_text(doc, "code", "attribute"),
        datatype=_choice(doc, "datatype", DATATYPES, None),
        required=_bool(doc, "required", False),
        description=_text(doc, "description") or "",
        order=position if order is None else order,
        variable=_bool(doc, "variable", True),
        datatype_description=_text(doc, "datatype_description"),
        values=values,
    )


def _read_value(doc: Record) -> AttributeValue:
    return AttributeValue(
        key=_required_text(doc, "key", "attribute value"),
        name=_required_text(doc, "name", "attribute value"),
    )


def _read_request(doc: Record) -> ServiceRequest:
    requested = _when(doc, "requested_datetime")
    if requested is None:
        raise Open311ProtocolError("service request: required 'requested_datetime' is missing")
    return ServiceRequest(
        service_request_id=_required_text(doc, "service_request_id", "service request"),
        status=_choice(doc, "status", STATUSES, None),
        service_code=_required_text(doc, "service_code", "service request"),
        requested_datetime=requested,
        status_notes=_text(doc, "status_notes"),
        service_name=_text(doc, "service_name"),
        description=_text(doc, "description"),
        agency_responsible=_text(doc, "agency_responsible"),
        service_notice=_text(doc, "service_notice"),
        updated_datetime=_when(doc, "updated_datetime"),
        expected_datetime=_when(doc, "expected_datetime"),
        address=_text(doc, "address"),
        address_id=_text(doc, "address_id"),
        zipcode=_text(doc, "zipcode"),
        lat=_number(doc, "lat"),
        long=_number(doc, "long"),
        media_url=_text(doc, "media_url"),
    )


def _read_error(doc: Record) -> ErrorItem:
    return ErrorItem(
        code=_text(doc, "code") or "unknown",
        description=_text(doc, "description") or "",
    )


def _read_endpoint(doc: Record) -> DiscoveryEndpoint:
    formats = tuple(
        str(f).strip()
        for f in _as_list(doc.get("formats"), "format", "endpoint formats")
        if isinstance(f, str | int) and str(f).strip()
    )
    return DiscoveryEndpoint(
        specification=_required_text(doc, "specification", "discovery endpoint"),
        url=_required_text(doc, "url", "discovery endpoint"),
        changeset=_text(doc, "changeset"),
        type=_text(doc, "type"),
        formats=formats,
    )
