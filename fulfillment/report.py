"""The report form: what a resident's report holds so far, and what to ask next.

The questions come from content (a service type's attributes), not from code per
issue type: issue type, then where, then the answers that decide who handles it,
then whatever else the type requires, then a phone number only if the crew must
call, then one read-back sentence and an explicit yes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from fulfillment.speech import street_title
from knowledge_base import KnowledgeBase
from knowledge_base.lookups import phrase_key, street_key
from knowledge_base.responsibility import Handler
from knowledge_base.services_model import ReportAttribute, ServiceType

# "At the corner of king and simcoe", "in front of 123 king st": the place, not the words.
_PLACE_LEAD = re.compile(
    r"^(?:(?:it'?s|it is|its|there'?s|theres|there is|on|at|near|by|outside|beside|in front of|"
    r"across from|right|just|the|corner of|intersection of|close to|next to)\b\s*)+"
)
_JOIN = re.compile(r"\s+(?:and|&|at)\s+")
_HOUSE = re.compile(r"^\d+[a-z]?\b")
_PHONE = re.compile(r"\d")


@dataclass(slots=True)
class Place:
    """Where the problem is, as it will be read back and filed."""

    said: str  # "123 king street east", "king street and simcoe street north"
    streets: list[str]  # the street keys, one or two (an intersection)
    municipality: str | None = None
    towns: list[str] = field(default_factory=list)  # where the streets are, if several
    landmark: str | None = None  # a facility's name, when one was named

    def spoken(self, kb: KnowledgeBase) -> str:
        """'on Simcoe Street North in Oshawa', 'at 123 King Street East in Oshawa'."""
        town = f" in {kb.municipality_name(self.municipality)}" if self.municipality else ""
        if self.landmark:
            return f"at {self.landmark}{town}"
        names = [street_title(s) for s in self.streets]
        house = _HOUSE.match(self.said)
        if len(names) > 1:
            return f"at {names[0]} and {names[1]}{town}"
        if house:
            return f"at {house.group(0)} {names[0]}{town}"
        return f"on {names[0]}{town}"

    def address_string(self, kb: KnowledgeBase) -> str:
        """The Open311 address_string: most specific first, then the town."""
        where = self.spoken(kb).removeprefix("on ").removeprefix("at ")
        return where.replace(" in ", ", ", 1) + ", Ontario"


@dataclass(slots=True)
class ReportForm:
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # one per confirmed report
    service: str | None = None  # the service type's code
    place: Place | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # code -> value key or text
    phone: str | None = None
    confirming: bool = False  # the read-back was said; a yes files it
    # Named as another body's and not filed: kept one turn, so "actually it's on simcoe
    # street north" corrects it; any other report starts afresh.
    routed_away: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportForm:
        place = data.get("place")
        return cls(**{**data, "place": Place(**place) if place else None})


def service_in(kb: KnowledgeBase, issue_type: str | None, text: str) -> ServiceType | None:
    """The service type the resident means: the NLU's issue type, else a keyword said."""
    desk = kb.responsibilities
    if issue_type:
        found = desk.service_for_issue(issue_type)
        if found is not None:
            return found
    words = f" {phrase_key(text)} "
    for kind in kb.content.service_types:
        for phrase in (*kind.keywords, kind.name.lower(), kind.spoken.removeprefix("a ")):
            if f" {phrase_key(phrase)} " in words:
                return kind
    return None


def place_from(kb: KnowledgeBase, said: str, municipality: str | None) -> Place | None:
    """A place from what was said: a street (with a house number), a corner, or a facility."""
    facility = kb.find_facility(_PLACE_LEAD.sub("", said))
    if facility is not None:
        return Place(facility.address.lower(), [street_key(facility.address)],
                     facility.municipality, landmark=facility.name)  # fmt: skip
    text = _PLACE_LEAD.sub("", said.lower().strip(" .,"))
    parts = [p for p in _JOIN.split(text) if street_key(p)][:2]
    if not parts:
        return None
    streets = [street_key(p) for p in parts]
    place = Place(text, streets, municipality)
    if municipality is None:
        towns = [sorted({z.municipality for z in kb.find_zones(s)}) for s in streets]
        common = set(towns[0]).intersection(*towns[1:]) if all(towns) else set(towns[0])
        place.towns = sorted(common)
        if len(place.towns) == 1:
            place.municipality = place.towns[0]
    return place


def value_in(attribute: ReportAttribute, text: str) -> str | None:
    """The attribute's value a resident's words choose ("it's huge" -> large)."""
    if attribute.datatype != "singlevaluelist":
        cleaned = text.strip()
        return cleaned or None
    words = f" {phrase_key(text)} "
    best: tuple[int, str] | None = None
    for value in attribute.values:
        for phrase in (*value.says, value.name.lower(), value.key.replace("_", " ")):
            if f" {phrase_key(phrase)} " in words and (best is None or len(phrase) > best[0]):
                best = (len(phrase), value.key)  # the longest phrase said wins
    return best[1] if best else None


def phone_in(text: str) -> str | None:
    """A ten-digit phone number said as digits or words; a leading 1 is dropped."""
    digits = "".join(_PHONE.findall(text))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) == 10 else None


def routing_attributes(kind: ServiceType) -> list[ReportAttribute]:
    """The questions whose answer changes who handles it: asked before routing."""
    return [a for a in kind.attributes if any(v.responsibility for v in a.values)]


def duty_of(kind: ServiceType, form: ReportForm) -> str:
    """The responsibility this report falls under, given the answers so far."""
    for attribute in routing_attributes(kind):
        chosen = form.attributes.get(attribute.code)
        value = next((v for v in attribute.values if v.key == chosen), None)
        if value is not None and value.responsibility:
            return value.responsibility
    return kind.responsibility


def handler_for(kb: KnowledgeBase, kind: ServiceType, form: ReportForm) -> Handler | None:
    """Who handles the report, once the place's town and the deciding answers are known."""
    place = form.place
    if place is None or place.municipality is None:
        return None
    if any(a.code not in form.attributes for a in routing_attributes(kind)):
        return None
    return kb.responsibilities.handler(
        duty_of(kind, form), place.municipality, tuple(place.streets)
    )


def next_attribute(kind: ServiceType, form: ReportForm) -> ReportAttribute | None:
    """The next required question not yet answered, routing questions first."""
    first = routing_attributes(kind)
    rest = [a for a in kind.attributes if a not in first and a.required]
    return next((a for a in (*first, *rest) if a.code not in form.attributes), None)


def value_name(kind: ServiceType, code: str, key: str) -> str:
    attribute = next(a for a in kind.attributes if a.code == code)
    value = next((v for v in attribute.values if v.key == key), None)
    return value.name if value else key


def read_back(kb: KnowledgeBase, kind: ServiceType, form: ReportForm) -> str:
    """The whole report in one sentence: 'a pothole, bigger than a dinner plate, on ...'."""
    details = [value_name(kind, a.code, form.attributes[a.code])
               for a in kind.attributes if a.code in form.attributes]  # fmt: skip
    what = ", ".join([kind.spoken, *details])
    where = form.place.spoken(kb) if form.place else ""
    phone = f", and they can call you at the number ending {form.phone[-4:]}" if form.phone else ""
    return f"{what}, {where}{phone}"


def description(kb: KnowledgeBase, kind: ServiceType, form: ReportForm) -> str:
    """The Open311 description: the read-back without the resident's phone number."""
    details = [value_name(kind, a.code, form.attributes[a.code])
               for a in kind.attributes if a.code in form.attributes]  # fmt: skip
    text = ", ".join([kind.spoken, *details])
    if form.place and form.place.landmark:
        text += f", at {form.place.landmark}"
    return f"{text[:1].upper()}{text[1:]}. Reported by voice."
