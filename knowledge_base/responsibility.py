"""Who handles what, for a service, a town and (for roads) a street.

Routing a report to the wrong level of government is how most 311 requests die,
so every answer that depends on who is responsible asks this one table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge_base.services_model import (
    LOCAL,
    Agency,
    RegionalRoad,
    Responsibility,
    ServiceType,
    WhoHandles,
)
from knowledge_base.streets import StreetName, street_key


@dataclass(frozen=True, slots=True)
class Handler:
    """Who handles one thing, and why: what is said to the resident."""

    agency: Agency
    responsibility: Responsibility
    regional_road: RegionalRoad | None  # the Regional road that decided it, if any
    ours: bool  # this service files it


class Responsibilities:
    def __init__(self, table: WhoHandles, service_types: tuple[ServiceType, ...]) -> None:
        self.table = table
        self._agencies = {a.id: a for a in table.agencies}
        self._duties = {r.id: r for r in table.responsibilities}
        self._by_issue = {t.issue_type: t for t in service_types}
        self._by_code = {t.code: t for t in service_types}
        self._roads = [(StreetName.parse(street_key(r.name)), r) for r in table.regional_roads]

    def service_for_issue(self, issue_type: str) -> ServiceType | None:
        return self._by_issue.get(issue_type)

    def service(self, code: str) -> ServiceType | None:
        return self._by_code.get(code)

    def agency(self, agency_id: str) -> Agency:
        return self._agencies[agency_id]

    def responsibility(self, duty_id: str) -> Responsibility:
        return self._duties[duty_id]

    def local_service_in(self, text: str) -> Responsibility | None:
        """A service only the towns run that the question names ("a parking ticket")."""
        words = f" {' '.join(re.findall(r'[a-z0-9]+', text.lower()))} "
        for duty in self.table.responsibilities:
            if duty.handled_by != LOCAL or duty.by_municipality or duty.on_regional_roads:
                continue
            spoken = (" ".join(re.findall(r"[a-z0-9]+", k)) for k in duty.keywords)
            if any(f" {k} " in words for k in spoken):
                return duty
        return None

    def regional_road(self, street: str, municipality: str | None) -> RegionalRoad | None:
        """The Regional road `street` is, in that town: "simcoe st n" is Simcoe Street."""
        said = StreetName.parse(street_key(street))
        for name, road in self._roads:
            if said.name != name.name or (municipality and municipality not in road.municipalities):
                continue
            if said.suffix is None or name.suffix is None or said.suffix == name.suffix:
                return road
        return None

    def handler(self, duty_id: str, municipality: str, streets: tuple[str, ...] = ()) -> Handler:
        """Who handles `duty_id` in `municipality`; on a Regional road among `streets`
        (an intersection names two), the road's owner when that differs."""
        duty = self._duties[duty_id]
        road = next(
            (r for s in streets if (r := self.regional_road(s, municipality)) is not None), None
        )
        if road is not None and duty.on_regional_roads is not None:
            agency_id = duty.on_regional_roads
        else:
            road = None
            agency_id = duty.by_municipality.get(municipality, duty.handled_by)
        if agency_id == LOCAL:
            agency_id = municipality
        return Handler(
            agency=self._agencies[agency_id],
            responsibility=duty,
            regional_road=road,
            ours=agency_id == self.table.files_for,
        )
