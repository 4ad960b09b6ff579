"""The content model: what content staff edit, validated strictly before it is kept.

Content is one document (organisation, collection schedule, waste guide,
facilities, FAQ, alerts). It is validated as a whole, with the path of the first
bad field in the error, so a bad edit or import is refused before anything is
written and a resident never hears half an update.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from knowledge_base.calendar import (
    DEFAULT_RULE,
    HOLIDAY_RULES,
    HolidayEntry,
    holiday_key,
    known_holiday_names,
)
from knowledge_base.calendar import Holiday as Holiday
from knowledge_base.errors import ContentError
from knowledge_base.services_model import (
    ATTRIBUTE_DATATYPES,
    CONTACT_NEEDS,
    LOCAL,
    Agency,
    AttributeValue,
    RegionalRoad,
    ReportAttribute,
    Responsibility,
    ServiceType,
    WhoHandles,
)
from knowledge_base.streets import street_key

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FREQUENCIES = ("weekly", "biweekly", "seasonal_weekly", "on_request")
FACILITY_KINDS = ("waste_management_facility", "office", "depot")
HOUSE_SIDES = ("odd", "even", "all")
GENERAL_EMERGENCY = "emergency"  # the safety advice used when no more specific kind applies
MAX_SPOKEN_WORDS = 60
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Organisation:
    name: str
    phone_311: str
    phone_main: str
    phone_toll_free: str
    hours_311: str
    website: str


@dataclass(frozen=True, slots=True)
class Municipality:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class WasteStream:
    id: str
    name: str
    frequency: str
    season: tuple[tuple[int, int], tuple[int, int]] | None = None  # (month, day) start, end
    note: str | None = None
    responsibility: str | None = None  # who collects it: a who-handles-what entry

    def in_season(self, day: date) -> bool:
        if self.season is None:
            return True
        return self.season[0] <= (day.month, day.day) <= self.season[1]


@dataclass(frozen=True, slots=True)
class StreetRange:
    """The house numbers `first` to `last` of a street, on one side of it or both.

    A long street often crosses from one collection zone into another ("King Street
    East" is Monday's up to 499 and Tuesday's beyond), and a boundary down the middle of
    a street puts its odd and even sides in different zones. A resident who gives a
    house number is then told their own zone's day, not a neighbour's.
    """

    street: str
    first: int
    last: int
    side: str = "all"  # one of HOUSE_SIDES

    def covers(self, number: int) -> bool:
        """Whether house `number` is in this part of the street."""
        if not self.first <= number <= self.last:
            return False
        return self.side == "all" or (number % 2 == 1) == (self.side == "odd")

    def overlaps(self, other: StreetRange) -> bool:
        """Whether some house number is in both parts: their numbers meet on a common side."""
        low, high = max(self.first, other.first), min(self.last, other.last)
        if low > high:
            return False
        if "all" in (self.side, other.side):
            return True
        if self.side != other.side:
            return False
        first_on_side = low if (low % 2 == 1) == (self.side == "odd") else low + 1
        return first_on_side <= high

    def spoken(self) -> str:
        """'king street east 1 to 499, odd side': how an error message names this part."""
        side = "" if self.side == "all" else f", {self.side} side"
        return f"{self.street} {self.first} to {self.last}{side}"


@dataclass(frozen=True, slots=True)
class CollectionZone:
    """A collection day's area: whole streets, and parts of streets split with other zones.

    `streets` names every street with any house in the zone, once each, in content order,
    so whatever only needs names (gazetteers, who handles a street) reads it as before.
    A street with entries in `ranges` is the zone's only at those house numbers; one
    without is wholly the zone's.
    """

    id: str
    municipality: str
    weekday: int  # 0 = Monday
    garbage_anchor: date  # a day garbage is collected in a normal week; every 14 days from it
    streets: tuple[str, ...]
    ranges: tuple[StreetRange, ...] = ()

    def __post_init__(self) -> None:
        stray = {r.street for r in self.ranges} - set(self.streets)
        if stray:
            raise ValueError(f"ranges of streets the zone does not list: {sorted(stray)}")

    def ranges_of(self, street: str) -> tuple[StreetRange, ...]:
        """The parts of `street` (as listed in `streets`) in this zone; () when it is whole."""
        return tuple(r for r in self.ranges if r.street == street)

    def street_entries(self) -> list[str | dict[str, Any]]:
        """`streets` as content writes it: a name for a whole street, a mapping for a part.

        Reading these entries back gives this zone again (the YAML export's round trip).
        """
        entries: list[str | dict[str, Any]] = []
        for street in self.streets:
            parts = self.ranges_of(street)
            entries.extend(
                {"street": street, "from": p.first, "to": p.last}
                | ({} if p.side == "all" else {"side": p.side})
                for p in parts
            )
            if not parts:
                entries.append(street)
        return entries

    def is_garbage_week(self, day: date) -> bool:
        """Whether garbage goes out in `day`'s week (Monday to Sunday): a whole number of
        fortnights from the anchor's week, forwards or backwards, whatever the ISO week."""
        monday = day - timedelta(days=day.weekday())
        anchor_monday = self.garbage_anchor - timedelta(days=self.garbage_anchor.weekday())
        return (monday - anchor_monday).days % 14 == 0


@dataclass(frozen=True, slots=True)
class WasteItem:
    id: str
    name: str
    synonyms: tuple[str, ...]
    disposal: str
    tip: str | None = None


Hours = tuple[time, time] | None  # None: closed


@dataclass(frozen=True, slots=True)
class Facility:
    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    address: str
    municipality: str
    hours: tuple[Hours, ...]  # Monday first, seven entries
    holiday_hours: Hours
    fees: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class FaqArticle:
    id: str
    question: str
    keywords: tuple[str, ...]
    answer: str


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    title: str
    municipality: str | None
    starts: date
    ends: date | None
    message: str

    def active_on(self, day: date) -> bool:
        return self.starts <= day and (self.ends is None or day <= self.ends)


@dataclass(frozen=True, slots=True)
class SafetyAdvice:
    """What a resident hears for one kind of danger: the first step, then the number.

    The dialog decides which kind applies; the words and numbers are content, so staff
    can correct them without a release. `after_hours` replaces `speech` outside
    `SafetyContent.office_hours`, for kinds whose daytime line closes at night.
    """

    id: str
    title: str
    speech: str
    ends_session: bool
    reprompt: str | None = None
    after_hours: str | None = None
    farewell: str | None = None  # said if the resident ends the conversation after this help


@dataclass(frozen=True, slots=True)
class SafetyContent:
    verified: bool  # False until staff have checked every number against the source
    office_hours: tuple[Hours, ...]  # Monday first, seven entries; holidays are closed
    kinds: tuple[SafetyAdvice, ...]

    def advice(self, kind: str) -> SafetyAdvice:
        """The advice for `kind`, or the general emergency advice content must carry."""
        by_id = {k.id: k for k in self.kinds}
        return by_id.get(kind) or by_id[GENERAL_EMERGENCY]


@dataclass(frozen=True, slots=True)
class Content:
    organisation: Organisation
    municipalities: tuple[Municipality, ...]
    disposal_methods: Mapping[str, str]
    waste_streams: tuple[WasteStream, ...]
    collection_zones: tuple[CollectionZone, ...]
    collection_holidays: tuple[HolidayEntry, ...]
    waste_items: tuple[WasteItem, ...]
    facilities: tuple[Facility, ...]
    faq: tuple[FaqArticle, ...]
    alerts: tuple[Alert, ...]
    safety: SafetyContent
    who_handles: WhoHandles
    service_types: tuple[ServiceType, ...]

    @classmethod
    def from_dict(cls, doc: Any) -> Content:
        return _Reader(doc, "content").content()


class _Reader:
    """Walks a plain document, naming the path of whatever is wrong."""

    def __init__(self, value: Any, path: str) -> None:
        self.value, self.path = value, path

    def fail(self, message: str) -> ContentError:
        return ContentError(f"{self.path}: {message}")

    def mapping(
        self, *, required: tuple[str, ...], optional: tuple[str, ...] = (), open_keys: bool = False
    ) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.fail("expected a mapping")
        unknown = set(self.value) - set(required) - set(optional)
        if unknown and not open_keys:
            raise self.fail(f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        missing = [k for k in required if k not in self.value]
        if missing:
            raise self.fail(f"missing field(s) {', '.join(missing)}")
        return self.value

    def at(self, key: str | int) -> _Reader:
        value = self.value.get(key) if isinstance(self.value, dict) else self.value[key]
        return _Reader(
            value, f"{self.path}.{key}" if isinstance(key, str) else f"{self.path}[{key}]"
        )

    def text(self, *, optional: bool = False) -> str:
        if self.value is None and optional:
            return ""
        if not isinstance(self.value, str | int) or not str(self.value).strip():
            raise self.fail("expected non-empty text")
        return str(self.value).strip()

    def spoken(self, *, optional: bool = False) -> str:
        """Text a speaker reads aloud: short enough to hear in one go."""
        value = self.text(optional=optional)
        if len(value.split()) > MAX_SPOKEN_WORDS:
            raise self.fail(
                f"{len(value.split())} words; spoken text must be {MAX_SPOKEN_WORDS} or fewer"
            )
        return value

    def choice(self, options: tuple[str, ...] | Mapping[str, Any]) -> str:
        value = self.text()
        if value not in options:
            raise self.fail(f"{value!r} is not one of {', '.join(options)}")
        return value

    def day(self) -> date:
        if isinstance(self.value, date):
            return self.value
        try:
            return date.fromisoformat(self.text())
        except ValueError:
            raise self.fail("expected a date as YYYY-MM-DD") from None

    def hours(self) -> Hours:
        value = self.text()
        if value == "closed":
            return None
        match = _HOURS.match(value)
        if not match:
            raise self.fail('expected "HH:MM-HH:MM" or "closed"')
        h1, m1, h2, m2 = map(int, match.groups())
        try:
            opens, closes = time(h1, m1), time(h2, m2)
        except ValueError:
            raise self.fail("not a valid time of day") from None
        if closes <= opens:
            raise self.fail("closing time must be after opening time")
        return (opens, closes)

    def texts(self) -> tuple[str, ...]:
        if not isinstance(self.value, list):
            raise self.fail("expected a list")
        return tuple(self.at(i).text().lower() for i in range(len(self.value)))

    def items(self, build: Callable[[_Reader], T], *, minimum: int = 0) -> tuple[T, ...]:
        if not isinstance(self.value, list):
            raise self.fail("expected a list")
        if len(self.value) < minimum:
            raise self.fail(f"expected at least {minimum} entries")
        built = tuple(build(self.at(i)) for i in range(len(self.value)))
        ids = [getattr(b, "id", None) for b in built]
        dupes = sorted({i for i in ids if i is not None and ids.count(i) > 1})
        if dupes:
            raise self.fail(f"duplicate id(s) {', '.join(map(str, dupes))}")
        return built

    def content(self) -> Content:
        self.mapping(
            required=("schema_version", "organisation", "municipalities", "disposal_methods",
                      "waste_streams", "collection_zones", "collection_holidays", "waste_items",
                      "facilities", "faq", "alerts", "safety", "who_handles", "service_types"),
        )  # fmt: skip
        if self.value["schema_version"] != 1:
            raise self.at("schema_version").fail("only schema_version 1 is supported")
        municipalities = self.at("municipalities").items(_municipality, minimum=1)
        known = {m.id for m in municipalities}
        methods = self.at("disposal_methods").mapping(required=(), open_keys=True)
        disposal = {str(k): self.at("disposal_methods").at(str(k)).text() for k in methods}
        for key, template in disposal.items():
            if "{item}" not in template:
                raise self.at("disposal_methods").at(key).fail("must contain {item}")
        who = _who_handles(self.at("who_handles"), known)
        duties = tuple(sorted(d.id for d in who.responsibilities))
        return Content(
            organisation=_organisation(self.at("organisation")),
            municipalities=municipalities,
            disposal_methods=disposal,
            waste_streams=self.at("waste_streams").items(lambda r: _stream(r, duties)),
            collection_zones=_zones(self.at("collection_zones"), known),
            collection_holidays=_holidays(self.at("collection_holidays")),
            waste_items=self.at("waste_items").items(lambda r: _item(r, disposal)),
            facilities=self.at("facilities").items(lambda r: _facility(r, known)),
            faq=self.at("faq").items(_faq),
            alerts=self.at("alerts").items(lambda r: _alert(r, known)),
            safety=_safety(self.at("safety")),
            who_handles=who,
            service_types=_service_types(self.at("service_types"), who),
        )


def _organisation(r: _Reader) -> Organisation:
    r.mapping(
        required=("name", "phone_311", "phone_main", "phone_toll_free", "hours_311", "website")
    )
    return Organisation(**{k: r.at(k).text() for k in Organisation.__slots__})


def _municipality(r: _Reader) -> Municipality:
    r.mapping(required=("id", "name"))
    return Municipality(r.at("id").text(), r.at("name").text())


def _stream(r: _Reader, duties: tuple[str, ...]) -> WasteStream:
    r.mapping(required=("id", "name", "frequency"), optional=("season", "note", "responsibility"))
    frequency = r.at("frequency").choice(FREQUENCIES)
    season = None
    if frequency == "seasonal_weekly":
        s = r.at("season")
        s.mapping(required=("start", "end"))
        season = (_month_day(s.at("start")), _month_day(s.at("end")))
    note = r.at("note").text(optional=True) or None
    duty = r.at("responsibility").choice(duties) if r.value.get("responsibility") else None
    return WasteStream(r.at("id").text(), r.at("name").text(), frequency, season, note, duty)


def _month_day(r: _Reader) -> tuple[int, int]:
    match = _MONTH_DAY.match(r.text())
    if not match or not (1 <= int(match[1]) <= 12 and 1 <= int(match[2]) <= 31):
        raise r.fail('expected "MM-DD"')
    return (int(match[1]), int(match[2]))


@dataclass(frozen=True, slots=True)
class _Claim:
    """Where a zone lists a street (all of it when `part` is None), to find a house in two."""

    zone: str
    path: str
    name: str
    part: StreetRange | None

    def overlaps(self, part: StreetRange | None) -> bool:
        return self.part is None or part is None or self.part.overlaps(part)

    def spoken(self) -> str:
        return f"{self.name} (the whole street)" if self.part is None else self.part.spoken()


def _zones(r: _Reader, municipalities: set[str]) -> tuple[CollectionZone, ...]:
    """The collection zones; a house that two zones (or one zone twice) claim is refused,
    at the second claim's path, naming both zones, since a resident there would get
    whichever day the index found first."""
    claims: dict[tuple[str, str], list[_Claim]] = {}
    return r.items(lambda z: _zone(z, municipalities, claims))


def _zone(
    r: _Reader, municipalities: set[str], claims: dict[tuple[str, str], list[_Claim]]
) -> CollectionZone:
    if isinstance(r.value, dict) and "garbage_week" in r.value:
        raise r.at("garbage_week").fail(
            "odd and even weeks are no longer used; give garbage_anchor: YYYY-MM-DD instead, "
            "a day this zone's garbage is collected (it goes out every 14 days from it)"
        )
    r.mapping(required=("id", "municipality", "weekday", "garbage_anchor", "streets"))
    weekday = WEEKDAYS.index(r.at("weekday").choice(WEEKDAYS[:5]))
    anchor = _plain_date(r.at("garbage_anchor"))
    if anchor.weekday() != weekday:
        raise r.at("garbage_anchor").fail(
            f"{anchor.isoformat()} is a {WEEKDAYS[anchor.weekday()].title()}, "
            f"not the zone's {WEEKDAYS[weekday].title()}"
        )
    zone_id = r.at("id").text()
    municipality = r.at("municipality").choice(tuple(sorted(municipalities)))
    names, parts = _zone_streets(
        r.at("streets"), zone_id, lambda key: claims.setdefault((municipality, key), [])
    )
    return CollectionZone(
        id=zone_id,
        municipality=municipality,
        weekday=weekday,
        garbage_anchor=anchor,
        streets=names,
        ranges=parts,
    )


def _zone_streets(
    r: _Reader, zone_id: str, claims_on: Callable[[str], list[_Claim]]
) -> tuple[tuple[str, ...], tuple[StreetRange, ...]]:
    """A zone's streets, each a name (the whole street) or a part of one; each checked
    against the claims already made on that street in the town (`claims_on` its street
    key), then added to them."""
    if not isinstance(r.value, list):
        raise r.fail("expected a list")
    names: dict[str, None] = {}  # in content order, each once
    parts: list[StreetRange] = []
    for i in range(len(r.value)):
        entry = r.at(i)
        if not isinstance(entry.value, dict | str):
            raise entry.fail("expected a street name, or a mapping of street, from, to and side")
        part = _street_part(entry) if isinstance(entry.value, dict) else None
        name = part.street if part is not None else entry.text().lower()
        mine = _Claim(zone_id, entry.path, name, part)
        claims = claims_on(street_key(name))
        for claim in claims:
            if claim.overlaps(part):
                raise entry.fail(
                    f"zone {zone_id}'s {mine.spoken()} overlaps zone {claim.zone}'s "
                    f"{claim.spoken()} at {claim.path}; a house can be in one zone only"
                )
        claims.append(mine)
        names[name] = None
        if part is not None:
            parts.append(part)
    return tuple(names), tuple(parts)


def _street_part(r: _Reader) -> StreetRange:
    """{street, from, to, side}: part of a street; side odd, even or all (the default)."""
    r.mapping(required=("street", "from", "to"), optional=("side",))
    first, last = _house_number(r.at("from")), _house_number(r.at("to"))
    if last < first:
        raise r.at("to").fail(f"{last} is below from ({first}); from is the lowest number")
    side = r.at("side").choice(HOUSE_SIDES) if r.value.get("side") is not None else "all"
    part = StreetRange(r.at("street").text().lower(), first, last, side)
    if not any(part.covers(n) for n in (first, first + 1) if n <= last):
        raise r.at("side").fail(f"{first} to {last} has no {side} house numbers")
    return part


def _house_number(r: _Reader) -> int:
    value = r.value
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise r.fail("expected a house number: a whole number, 1 or more")
    return value


def _plain_date(r: _Reader) -> date:
    day = r.day()
    if isinstance(day, datetime):
        raise r.fail("expected a date as YYYY-MM-DD, without a time")
    return day


def _holidays(r: _Reader) -> tuple[HolidayEntry, ...]:
    """Holiday rules: by name every year, or on one date; each holiday named or dated once."""
    entries = r.items(_holiday)
    seen: dict[date | str, int] = {}
    for i, entry in enumerate(entries):
        key = entry.date or holiday_key(entry.name)
        if key in seen:
            what = f"date {entry.date}" if entry.date else f"holiday {entry.name!r}"
            raise r.at(i).fail(f"{what} is already given a rule in entry {seen[key]}")
        seen[key] = i
    return entries


def _holiday(r: _Reader) -> HolidayEntry:
    r.mapping(required=("name",), optional=("rule", "date"))
    name = r.at("name").text()
    rule = r.at("rule").choice(HOLIDAY_RULES) if "rule" in r.value else DEFAULT_RULE
    if r.value.get("date") is not None:
        return HolidayEntry(name, rule, _plain_date(r.at("date")))
    if holiday_key(name) not in known_holiday_names():
        known = ", ".join(sorted(set(known_holiday_names().values())))
        raise r.at("name").fail(
            f"{name!r} is not a holiday the holidays package knows for Ontario ({known}); "
            "give it a date"
        )
    return HolidayEntry(name, rule)


_ODD_WEEK = date(2026, 11, 16)  # the Monday of ISO week 47 of 2026, an odd week


def upgrade_garbage_weeks(document: Any) -> Any:
    """A document from before garbage anchors, its zones' `garbage_week` made an anchor.

    Odd and even meant ISO week parity, which breaks after a year with a week 53. Each zone
    keeps the parity it had in November 2026: its anchor is its weekday in ISO week 47 of
    2026 (odd) or 48 (even). Anything else is left for the reader to refuse by path.
    """
    if not isinstance(document, dict) or not isinstance(document.get("collection_zones"), list):
        return document
    zones = []
    for zone in document["collection_zones"]:
        if (
            isinstance(zone, dict)
            and zone.get("garbage_week") in ("odd", "even")
            and "garbage_anchor" not in zone
            and zone.get("weekday") in WEEKDAYS[:5]
        ):
            week = _ODD_WEEK if zone["garbage_week"] == "odd" else _ODD_WEEK + timedelta(days=7)
            anchor = week + timedelta(days=WEEKDAYS.index(zone["weekday"]))
            zone = {k: v for k, v in zone.items() if k != "garbage_week"}
            zone["garbage_anchor"] = anchor.isoformat()
        zones.append(zone)
    return {**document, "collection_zones": zones}


def _item(r: _Reader, disposal: Mapping[str, str]) -> WasteItem:
    r.mapping(required=("id", "name", "synonyms", "disposal"), optional=("tip",))
    return WasteItem(
        id=r.at("id").text(),
        name=r.at("name").text(),
        synonyms=r.at("synonyms").texts(),
        disposal=r.at("disposal").choice(disposal),
        tip=r.at("tip").text(optional=True) or None,
    )


def _facility(r: _Reader, municipalities: set[str]) -> Facility:
    r.mapping(
        required=(
            "id",
            "name",
            "aliases",
            "kind",
            "address",
            "municipality",
            "hours",
            "holiday_hours",
        ),
        optional=("fees", "phone"),
    )
    hours = r.at("hours")
    hours.mapping(required=WEEKDAYS)
    return Facility(
        id=r.at("id").text(),
        name=r.at("name").text(),
        aliases=r.at("aliases").texts(),
        kind=r.at("kind").choice(FACILITY_KINDS),
        address=r.at("address").text(),
        municipality=r.at("municipality").choice(tuple(sorted(municipalities))),
        hours=tuple(hours.at(day).hours() for day in WEEKDAYS),
        holiday_hours=r.at("holiday_hours").hours(),
        fees=r.at("fees").text(optional=True) or None,
        phone=r.at("phone").text(optional=True) or None,
    )


def _faq(r: _Reader) -> FaqArticle:
    r.mapping(required=("id", "question", "keywords", "answer"))
    keywords = r.at("keywords").texts()
    if not keywords:
        raise r.at("keywords").fail("needs at least one keyword")
    return FaqArticle(r.at("id").text(), r.at("question").text(), keywords, r.at("answer").text())


def _alert(r: _Reader, municipalities: set[str]) -> Alert:
    r.mapping(required=("id", "title", "municipality", "starts", "ends", "message"))
    municipality = None
    if r.value.get("municipality") is not None:
        municipality = r.at("municipality").choice(tuple(sorted(municipalities)))
    ends = None if r.value.get("ends") is None else r.at("ends").day()
    starts = r.at("starts").day()
    if ends is not None and ends < starts:
        raise r.at("ends").fail("ends before it starts")
    return Alert(r.at("id").text(), r.at("title").text(), municipality, starts, ends,
                 r.at("message").text())  # fmt: skip


def _safety(r: _Reader) -> SafetyContent:
    r.mapping(required=("verified", "office_hours", "kinds"))
    if not isinstance(r.value["verified"], bool):
        raise r.at("verified").fail("expected true or false")
    hours = r.at("office_hours")
    hours.mapping(required=WEEKDAYS)
    kinds = r.at("kinds").items(_safety_advice, minimum=1)
    if GENERAL_EMERGENCY not in {k.id for k in kinds}:
        raise r.at("kinds").fail(f"needs the general {GENERAL_EMERGENCY!r} advice")
    return SafetyContent(
        verified=r.value["verified"],
        office_hours=tuple(hours.at(day).hours() for day in WEEKDAYS),
        kinds=kinds,
    )


def _safety_advice(r: _Reader) -> SafetyAdvice:
    r.mapping(
        required=("id", "title", "speech", "ends_session"),
        optional=("reprompt", "after_hours", "farewell"),
    )
    if not isinstance(r.value["ends_session"], bool):
        raise r.at("ends_session").fail("expected true or false")
    return SafetyAdvice(
        id=r.at("id").text(),
        title=r.at("title").text(),
        speech=r.at("speech").spoken(),
        ends_session=r.value["ends_session"],
        reprompt=r.at("reprompt").spoken(optional=True) or None,
        after_hours=r.at("after_hours").spoken(optional=True) or None,
        farewell=r.at("farewell").spoken(optional=True) or None,
    )


def _who_handles(r: _Reader, municipalities: set[str]) -> WhoHandles:
    r.mapping(required=("verified", "files_for", "agencies", "responsibilities", "regional_roads"))
    if not isinstance(r.value["verified"], bool):
        raise r.at("verified").fail("expected true or false")
    agencies = r.at("agencies").items(_agency, minimum=1)
    known = {a.id for a in agencies}
    missing = sorted(municipalities - known)
    if missing:
        raise r.at("agencies").fail(
            f"every municipality needs an agency of the same id; missing {', '.join(missing)}"
        )
    return WhoHandles(
        verified=r.value["verified"],
        agencies=agencies,
        responsibilities=r.at("responsibilities").items(
            lambda x: _responsibility(x, known, municipalities), minimum=1
        ),
        regional_roads=r.at("regional_roads").items(lambda x: _regional_road(x, municipalities)),
        files_for=r.at("files_for").choice(tuple(sorted(known))),
    )


def _agency(r: _Reader) -> Agency:
    r.mapping(required=("id", "name", "phone", "website"))
    return Agency(**{k: r.at(k).text() for k in ("id", "name", "phone", "website")})


def _responsibility(r: _Reader, agencies: set[str], municipalities: set[str]) -> Responsibility:
    r.mapping(
        required=("id", "name", "handled_by"),
        optional=("by_municipality", "on_regional_roads", "keywords"),
    )
    choices = (*sorted(agencies), LOCAL)
    by_town: dict[str, str] = {}
    if r.value.get("by_municipality") is not None:
        towns = r.at("by_municipality")
        for town in towns.mapping(required=(), open_keys=True):
            if town not in municipalities:
                raise towns.fail(f"{town!r} is not a municipality")
            by_town[str(town)] = towns.at(str(town)).choice(choices)
    roads = r.at("on_regional_roads").text(optional=True) or None
    if roads is not None:
        roads = r.at("on_regional_roads").choice(tuple(sorted(agencies)))
    return Responsibility(
        id=r.at("id").text(),
        name=r.at("name").text(),
        handled_by=r.at("handled_by").choice(choices),
        by_municipality=by_town,
        on_regional_roads=roads,
        keywords=r.at("keywords").texts() if r.value.get("keywords") is not None else (),
    )


def _regional_road(r: _Reader, municipalities: set[str]) -> RegionalRoad:
    r.mapping(required=("name", "number", "municipalities"))
    number = r.value["number"]
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise r.at("number").fail("expected the road's number, a whole number")
    towns = r.at("municipalities").texts()
    for i, town in enumerate(towns):
        if town not in municipalities:
            raise r.at("municipalities").at(i).fail(f"{town!r} is not a municipality")
    return RegionalRoad(r.at("name").text().lower(), number, towns)


def _service_types(r: _Reader, who: WhoHandles) -> tuple[ServiceType, ...]:
    types = r.items(lambda x: _service_type(x, who))
    for label in ("code", "issue_type"):
        seen: dict[str, int] = {}
        for i, kind in enumerate(types):
            value = getattr(kind, label)
            if value in seen:
                raise r.at(i).at(label).fail(f"{value!r} is already used by entry {seen[value]}")
            seen[value] = i
    return types


def _service_type(r: _Reader, who: WhoHandles) -> ServiceType:
    r.mapping(
        required=("code", "name", "issue_type", "spoken", "responsibility", "group",
                  "description", "keywords", "attributes"),
        optional=("contact", "contact_reason"),
    )  # fmt: skip
    duties = tuple(sorted(x.id for x in who.responsibilities))
    contact = r.at("contact").choice(CONTACT_NEEDS) if "contact" in r.value else "none"
    reason = r.at("contact_reason").spoken(optional=True) or None
    if contact != "none" and reason is None:
        raise r.at("contact_reason").fail("say why the crew needs it; residents are told")
    attributes = r.at("attributes").items(lambda x: _attribute(x, duties))
    codes = [a.code for a in attributes]
    if len(set(codes)) != len(codes):
        raise r.at("attributes").fail("each attribute code may appear once")
    return ServiceType(
        code=_code(r.at("code")),
        name=r.at("name").text(),
        issue_type=r.at("issue_type").text(),
        spoken=r.at("spoken").text(),
        responsibility=r.at("responsibility").choice(duties),
        group=r.at("group").text(),
        description=r.at("description").spoken(),
        keywords=r.at("keywords").texts(),
        attributes=attributes,
        contact=contact,
        contact_reason=reason,
    )


def _code(r: _Reader) -> str:
    value = r.text()
    if not re.fullmatch(r"[a-z0-9_]{1,40}", value):
        raise r.fail("expected a code of lower-case letters, digits and _")
    return value


def _attribute(r: _Reader, duties: tuple[str, ...]) -> ReportAttribute:
    r.mapping(required=("code", "question", "datatype", "required"), optional=("values", "entity"))
    datatype = r.at("datatype").choice(ATTRIBUTE_DATATYPES)
    if not isinstance(r.value["required"], bool):
        raise r.at("required").fail("expected true or false")
    values: tuple[AttributeValue, ...] = ()
    if datatype == "singlevaluelist":
        values = r.at("values").items(lambda x: _value(x, duties), minimum=2)
    elif r.value.get("values"):
        raise r.at("values").fail(f"only a singlevaluelist has values, not a {datatype}")
    return ReportAttribute(
        code=_code(r.at("code")),
        question=r.at("question").spoken(),
        datatype=datatype,
        required=r.value["required"],
        values=values,
        entity=r.at("entity").text(optional=True) or None,
    )


def _value(r: _Reader, duties: tuple[str, ...]) -> AttributeValue:
    r.mapping(required=("key", "name", "says"), optional=("responsibility",))
    duty = r.at("responsibility").choice(duties) if r.value.get("responsibility") else None
    return AttributeValue(
        key=_code(r.at("key")),
        name=r.at("name").text(),
        says=r.at("says").texts(),
        responsibility=duty,
    )
