"""The GeoReport v2 shapes, as plain frozen dataclasses shared by the client and the backend.

Field names are the spec's, so rendering and parsing stay a mechanical mapping.
Datetimes are timezone-aware; the wire format is W3C (ISO 8601 with offset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
SERVICE_KINDS = ("realtime", "batch", "blackbox")
STATUSES = ("open", "closed")
MAX_DESCRIPTION = 4000


@dataclass(frozen=True, slots=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class ServiceAttribute:
    """One extra question a service asks; `description` is the question as a person reads it."""

    code: str
    datatype: str
    required: bool
    description: str
    order: int
    variable: bool = True
    datatype_description: str | None = None
    values: tuple[AttributeValue, ...] = ()


@dataclass(frozen=True, slots=True)
class Service:
    service_code: str
    service_name: str
    description: str | None = None
    metadata: bool = False  # True when the service has attributes (a definition to fetch)
    type: str = "realtime"
    keywords: tuple[str, ...] = ()
    group: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    service_code: str
    attributes: tuple[ServiceAttribute, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceType:
    """What a backend offers: the service and its definition together."""

    service: Service
    attributes: tuple[ServiceAttribute, ...] = ()

    @property
    def definition(self) -> ServiceDefinition:
        return ServiceDefinition(self.service.service_code, self.attributes)


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A POST requests body. Location is one of lat/long, address_string or address_id.

    `attributes` maps an attribute code to its value(s): a multivaluelist has several keys.
    """

    service_code: str
    address_string: str | None = None
    lat: float | None = None
    long: float | None = None
    address_id: str | None = None
    description: str | None = None
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    media_url: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """The answer to a POST: an id at once, or a token to poll until the id exists."""

    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None = None
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """A request as GET requests answers it."""

    service_request_id: str
    status: str
    service_code: str
    requested_datetime: datetime
    status_notes: str | None = None
    service_name: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """GET tokens/{token}: the id once the server has made the request."""

    token: str
    service_request_id: str | None = None
