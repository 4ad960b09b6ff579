"""GeoReport v2 response bodies in JSON and XML, from one value so both carry the same data.

Every response is first built as a `Document`: a plain value (dicts, lists, scalars) plus
the XML element names the spec gives it. `to_json` and `to_xml` then serialise that one
value, so a client asking for `.xml` can never see different data from one asking `.json`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias
from xml.etree import ElementTree as ET

from open311.errors import ErrorItem
from open311.types import (
    Receipt,
    Service,
    ServiceAttribute,
    ServiceDefinition,
    ServiceRequest,
    TokenStatus,
)

Value: TypeAlias = "str | int | float | bool | list[Value] | dict[str, Value] | None"

FORMATS = ("xml", "json")
CONTENT_TYPES = {"json": "application/json", "xml": "text/xml"}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# MIME types as Service Discovery lists them.
FORMAT_MIME = {"xml": "text/xml", "json": "application/json"}

# The element each entry of a nested list gets in XML (the spec's singular names).
_ITEM_ELEMENTS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all; dropped rather than emitting a broken document.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True, slots=True)
class Document:
    """One response body before serialisation.

    `body` is a dict (one element's children) or a list of dicts (each becomes an `item`
    element under `root`). `single` makes JSON carry the one entry as a bare object, as the
    swagger's GET request/{id} does, while XML keeps the spec's list wrapper.
    """

    root: str
    body: Value
    item: str = ""
    single: bool = False


def w3c(moment: datetime) -> str:
    """The spec's date format: ISO 8601 with an offset (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else w3c(moment)


def services_document(services: Sequence[Service]) -> Document:
    return Document("services", [_service(s) for s in services], item="service")


def _service(service: Service) -> dict[str, Value]:
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": service.metadata,
        "type": service.type,
        "keywords": ", ".join(service.keywords) if service.keywords else None,
        "group": service.group,
    }


def definition_document(definition: ServiceDefinition) -> Document:
    attributes: list[Value] = [_attribute(a) for a in definition.attributes]
    return Document(
        "service_definition",
        {"service_code": definition.service_code, "attributes": attributes},
    )


def _attribute(attribute: ServiceAttribute) -> dict[str, Value]:
    values: list[Value] = [{"key": v.key, "name": v.name} for v in attribute.values]
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description,
        "order": attribute.order,
        "description": attribute.description,
        "values": values,
    }


def requests_document(requests: Sequence[ServiceRequest], *, single: bool = False) -> Document:
    """GET requests (a list); with `single`, GET request/{id}'s one object in JSON."""
    return Document(
        "service_requests", [_request(r) for r in requests], item="request", single=single
    )


def _request(request: ServiceRequest) -> dict[str, Value]:
    return {
        "service_request_id": request.service_request_id,
        "status": request.status,
        "status_notes": request.status_notes,
        "service_name": request.service_name,
        "service_code": request.service_code,
        "description": request.description,
        "agency_responsible": request.agency_responsible,
        "service_notice": request.service_notice,
        "requested_datetime": w3c(request.requested_datetime),
        "updated_datetime": _when(request.updated_datetime),
        "expected_datetime": _when(request.expected_datetime),
        "address": request.address,
        "address_id": request.address_id,
        "zipcode": request.zipcode,
        "lat": request.lat,
        "long": request.long,
        "media_url": request.media_url,
    }


def receipts_document(receipts: Sequence[Receipt]) -> Document:
    """POST requests' answer: an id (with notice and account) or, before one exists, a token."""
    return Document("service_requests", [_receipt(r) for r in receipts], item="request")


def _receipt(receipt: Receipt) -> dict[str, Value]:
    """Fields without a value are left out: the swagger types them as strings, never null."""
    if receipt.service_request_id is None and receipt.token is not None:
        fields: dict[str, Value] = {
            "token": receipt.token,
            "service_notice": receipt.service_notice,
        }
    else:
        fields = {
            "service_request_id": receipt.service_request_id,
            "service_notice": receipt.service_notice,
            "account_id": receipt.account_id,
        }
    return {name: value for name, value in fields.items() if value is not None}


def tokens_document(statuses: Sequence[TokenStatus]) -> Document:
    """GET tokens/{token}: the token and, once it exists, the request's id."""
    body: list[Value] = [
        {
            name: value
            for name, value in (("service_request_id", s.service_request_id), ("token", s.token))
            if value is not None
        }
        for s in statuses
    ]
    return Document("service_requests", body, item="request")


def errors_document(errors: Sequence[ErrorItem]) -> Document:
    """The spec's error list; a numeric code is a JSON number, as in the spec's examples."""
    body: list[Value] = [
        {"code": int(e.code) if e.code.isdigit() else e.code, "description": e.description}
        for e in errors
    ]
    return Document("errors", body, item="error")


def discovery_document(
    *,
    url: str,
    changeset: datetime,
    formats: Sequence[str],
    contact: str | None = None,
    key_service: str | None = None,
) -> Document:
    """Service Discovery: one production endpoint, this one, in the formats it serves."""
    endpoint: dict[str, Value] = {
        "specification": SPECIFICATION,
        "url": url,
        "changeset": w3c(changeset),
        "type": "production",
        "formats": [FORMAT_MIME[f] for f in formats],
    }
    return Document(
        "discovery",
        {
            "changeset": w3c(changeset),
            "contact": contact,
            "key_service": key_service,
            "endpoints": [endpoint],
        },
    )


def render(document: Document, fmt: str) -> bytes:
    """The document as `fmt` ("json" or "xml"), UTF-8 encoded."""
    return to_json(document) if fmt == "json" else to_xml(document)


def to_json(document: Document) -> bytes:
    body = document.body
    if document.single and isinstance(body, list) and len(body) == 1:
        body = body[0]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def to_xml(document: Document) -> bytes:
    root = ET.Element(document.root)
    if isinstance(document.body, list):
        for entry in document.body:
            _fill(ET.SubElement(root, document.item), entry)
    else:
        _fill(root, document.body)
    return _XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8")


def _fill(element: ET.Element, value: Value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        item = _ITEM_ELEMENTS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    elif value is not None:
        element.text = _text(value)


def _text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))
