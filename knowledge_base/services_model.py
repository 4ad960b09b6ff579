"""Who handles what, and the service requests residents can file: the content's shapes.

Durham is two-tier: the Region, eight local municipalities and, for the Blue Box, a
producer-run contractor each look after different things, and which one depends on the
town and, for roads, on whether the street is a Regional road. Staff keep that in one
table here; report routing and every answer that depends on it read the same table.

The report questions are content too: each service type says what must be asked
(Open311 attributes) in the words a speaker says, so a new type needs no code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LOCAL = "local"  # in a responsibility: the resident's own municipality
ATTRIBUTE_DATATYPES = ("singlevaluelist", "string", "number")
CONTACT_NEEDS = ("none", "phone")


@dataclass(frozen=True, slots=True)
class Agency:
    """A body that looks after something, and how a resident reaches it."""

    id: str
    name: str  # as said in a sentence: "the City of Oshawa"
    phone: str
    website: str


@dataclass(frozen=True, slots=True)
class Responsibility:
    """One service: who handles it by default, in given towns, and on Regional roads."""

    id: str
    name: str  # as said: "garbage collection"
    handled_by: str  # an agency id, or LOCAL
    by_municipality: Mapping[str, str]  # municipality id -> agency id or LOCAL
    on_regional_roads: str | None = None  # an agency id, when Regional roads differ
    keywords: tuple[str, ...] = ()  # how residents ask about it ("parking ticket")


@dataclass(frozen=True, slots=True)
class RegionalRoad:
    """A street the Region owns in the listed towns ("simcoe street": any direction)."""

    name: str
    number: int
    municipalities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WhoHandles:
    verified: bool  # False until staff have checked every name and number
    agencies: tuple[Agency, ...]
    responsibilities: tuple[Responsibility, ...]
    regional_roads: tuple[RegionalRoad, ...]
    files_for: str  # the agency whose reports this service files (the Region)


@dataclass(frozen=True, slots=True)
class AttributeValue:
    key: str
    name: str  # as read back: "bigger than a dinner plate"
    says: tuple[str, ...]  # words a resident may answer with
    responsibility: str | None = None  # this answer changes who handles it (a blue box)


@dataclass(frozen=True, slots=True)
class ReportAttribute:
    code: str
    question: str  # spoken, short
    datatype: str
    required: bool
    values: tuple[AttributeValue, ...] = ()
    entity: str | None = None  # an NLU entity that answers it when said ("my garbage")


@dataclass(frozen=True, slots=True)
class ServiceType:
    code: str  # the Open311 service_code
    name: str  # the Open311 service_name
    issue_type: str  # the NLU issue_type value that means this service
    spoken: str  # as said in a sentence: "a pothole"
    responsibility: str
    group: str
    description: str
    keywords: tuple[str, ...]
    attributes: tuple[ReportAttribute, ...]
    contact: str = "none"  # "phone": the crew must be able to call the resident
    contact_reason: str | None = None  # said when asking for it: why they need it
