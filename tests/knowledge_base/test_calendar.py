"""The collection calendar, right every day of every year.

A walk over every day of two calendar years for every zone of the sample (2026-2027, and
2020-2021: both 2020 and 2026 have an ISO week 53), then tables written out by hand for
the weeks where holidays bunch up, then the content format's rules and refusals.
"""

from __future__ import annotations

import copy
import itertools
import re
from datetime import date, timedelta
from typing import Any

import pytest

from knowledge_base import SAMPLE_CONTENT, Collection, Content, ContentError, KnowledgeBase
from knowledge_base.calendar import NO_CHANGE, SHIFT_DAY, SHIFT_WEEK
from knowledge_base.model import CollectionZone, Facility, upgrade_garbage_weeks
from knowledge_base.store import load_document

SUNDAY = 6
SATURDAY = 5


@pytest.fixture(scope="module")
def document() -> Any:
    return load_document(SAMPLE_CONTENT)


@pytest.fixture(scope="module")
def kb(document: Any) -> KnowledgeBase:
    return KnowledgeBase(Content.from_dict(document))


def kb_with(document: Any, *entries: dict[str, Any]) -> KnowledgeBase:
    """The sample with more `collection_holidays` entries."""
    doc = copy.deepcopy(document)
    doc["collection_holidays"] = [*doc["collection_holidays"], *entries]
    return KnowledgeBase(Content.from_dict(doc))


def sample_zone(kb: KnowledgeBase, zone_id: str) -> CollectionZone:
    return next(z for z in kb.content.collection_zones if z.id == zone_id)


def headquarters(kb: KnowledgeBase) -> Facility:
    """Open 08:30-16:30 on weekdays, closed on holidays."""
    facility = next(f for f in kb.content.facilities if f.id == "regional-headquarters")
    assert facility.hours[0] is not None and facility.holiday_hours is None
    return facility


def ids(collection: Collection) -> set[str]:
    return {s.id for s in collection.streams}


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# -- every day of two years, every zone --------------------------------------------------------


def expected_day(kb: KnowledgeBase, nominal: date) -> date:
    """The rules as written for weeks with at most one weekday holiday (every week of the
    walked years): shift_week moves a collection on or after the holiday a day, shift_day
    only the one on it, no_change none; never past Saturday."""
    monday = nominal - timedelta(days=nominal.weekday())
    moves = 0
    for day in days(monday, monday + timedelta(days=4)):
        holiday = kb.holiday_on(day)
        if holiday is None:
            continue
        if (holiday.rule == SHIFT_WEEK and day <= nominal) or (
            holiday.rule == SHIFT_DAY and day == nominal
        ):
            moves += 1
    return min(nominal + timedelta(days=moves), monday + timedelta(days=SATURDAY))


@pytest.mark.parametrize("years", [(2026, 2027), (2020, 2021)])
def test_every_day_of_two_years_for_every_zone(kb: KnowledgeBase, years: tuple[int, int]) -> None:
    first, last = date(years[0], 1, 1), date(years[1], 12, 31)
    for zone in kb.content.collection_zones:
        seen: dict[date, Collection] = {}
        previous: Collection | None = None
        for today in days(first, last):
            collection = kb.next_collection(zone, today)
            assert collection.day >= today, (zone.id, today)
            assert collection.day.weekday() != SUNDAY, (zone.id, today)
            assert collection.day - today <= timedelta(days=7), (zone.id, today)
            if previous is not None and previous.day >= today:
                assert collection == previous, f"{zone.id}: {today} skips {previous.day}"
            previous = collection
            if collection.day <= last:
                seen[collection.day] = collection

        weeks: list[tuple[date, Collection]] = []  # (nominal day, collection), in order
        for day, collection in sorted(seen.items()):
            monday = day - timedelta(days=day.weekday())
            nominal = monday + timedelta(days=zone.weekday)
            assert day == expected_day(kb, nominal), (zone.id, nominal, day)
            assert (collection.holiday is not None) == (day != nominal), (zone.id, day)
            if day != nominal:
                holiday = kb.holiday_on(day)
                assert holiday is None or holiday.rule == NO_CHANGE or day.weekday() == SATURDAY, (
                    f"{zone.id}: moved onto {holiday}"
                )
            weeks.append((nominal, collection))

        nominals = [n for n, _ in weeks]
        assert nominals[0] - first < timedelta(days=7) and last - nominals[-1] < timedelta(days=7)
        assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(nominals))
        assert all({"blue_box", "green_bin"} <= ids(c) for _, c in weeks), zone.id
        garbage = [n for n, c in weeks if "garbage" in ids(c)]
        gaps = {(b - a).days for a, b in itertools.pairwise(garbage)}
        assert gaps == {14}, f"{zone.id}: garbage {sorted(gaps)} days apart"
        assert (garbage[0] - zone.garbage_anchor).days % 14 == 0, zone.id
        assert len(garbage) in (len(weeks) // 2, (len(weeks) + 1) // 2)


def test_the_sample_kept_its_november_2026_weeks(kb: KnowledgeBase) -> None:
    """Odd zones had garbage in ISO week 47 of 2026, even zones in week 48, as before."""
    for zone, old in (("ajax-a", "odd"), ("ajax-b", "even"), ("scugog-a", "odd"),
                      ("scugog-b", "even"), ("whitby-b", "even"), ("whitby-c", "odd")):  # fmt: skip
        week_47 = kb.next_collection(sample_zone(kb, zone), date(2026, 11, 16))
        week_48 = kb.next_collection(sample_zone(kb, zone), date(2026, 11, 23))
        assert ("garbage" in ids(week_47)) == (old == "odd"), zone
        assert ("garbage" in ids(week_48)) == (old == "even"), zone


def test_iso_week_53_does_not_give_garbage_two_weeks_running(kb: KnowledgeBase) -> None:
    """ISO weeks 53 of 2026 and 1 of 2027 are both odd; garbage is still every 14 days."""
    ajax_a = sample_zone(kb, "ajax-a")
    week_53 = kb.next_collection(ajax_a, date(2026, 12, 28))
    week_1 = kb.next_collection(ajax_a, date(2027, 1, 4))
    week_2 = kb.next_collection(ajax_a, date(2027, 1, 11))
    assert (week_53.day, week_1.day, week_2.day) == (
        date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 11),
    )  # fmt: skip
    assert ["garbage" in ids(c) for c in (week_53, week_1, week_2)] == [True, False, True]


# -- the weeks where holidays bunch up, by hand ---------------------------------------------

BASE = {"blue_box", "green_bin"}
GARBAGE = {"garbage", "blue_box", "green_bin"}

# ajax-a: Monday, garbage 2026-11-16 and every 14 days (12-14, 12-28, 2027-01-11, ... 03-22).
# clarington-b: Wednesday, garbage from 2026-11-25 (12-09, 12-23, 2027-01-06, ... 03-31).
# scugog-b: Friday, garbage from 2026-11-27 (12-11, 12-25, 2027-01-08, ... 04-02).
HAND_TABLE = [
    # Christmas Day 2026 is a Friday (shift_week), Boxing Day a Saturday (does nothing).
    ("christmas 2026", "ajax-a", date(2026, 12, 21), date(2026, 12, 21), BASE, None),
    ("christmas 2026", "clarington-b", date(2026, 12, 21), date(2026, 12, 23), GARBAGE, None),
    ("christmas 2026", "scugog-b", date(2026, 12, 21), date(2026, 12, 26), GARBAGE,
     "Christmas Day"),
    ("christmas 2026", "scugog-b", date(2026, 12, 25), date(2026, 12, 26), GARBAGE,
     "Christmas Day"),
    ("christmas 2026", "scugog-b", date(2026, 12, 26), date(2026, 12, 26), GARBAGE,
     "Christmas Day"),
    # New Year's Day 2027 is a Friday; the week is ISO week 53 of 2026.
    ("new year 2026/27", "scugog-b", date(2026, 12, 27), date(2027, 1, 2), BASE,
     "New Year's Day"),
    ("new year 2026/27", "ajax-a", date(2026, 12, 28), date(2026, 12, 28), GARBAGE, None),
    ("new year 2026/27", "clarington-b", date(2026, 12, 28), date(2026, 12, 30), BASE, None),
    ("new year 2026/27", "scugog-b", date(2026, 12, 28), date(2027, 1, 2), BASE,
     "New Year's Day"),
    ("new year 2026/27", "scugog-b", date(2027, 1, 2), date(2027, 1, 2), BASE,
     "New Year's Day"),
    ("new year 2026/27", "scugog-b", date(2027, 1, 3), date(2027, 1, 8), GARBAGE, None),
    # Good Friday 2027 is 2027-03-26.
    ("good friday 2027", "ajax-a", date(2027, 3, 22), date(2027, 3, 22), GARBAGE, None),
    ("good friday 2027", "clarington-b", date(2027, 3, 22), date(2027, 3, 24), BASE, None),
    ("good friday 2027", "scugog-b", date(2027, 3, 22), date(2027, 3, 27), BASE,
     "Good Friday"),
    # Easter Monday 2027-03-29 is not a collection holiday in the sample; yard waste starts
    # on April 1.
    ("easter monday 2027", "ajax-a", date(2027, 3, 28), date(2027, 3, 29), BASE, None),
    ("easter monday 2027", "clarington-b", date(2027, 3, 29), date(2027, 3, 31), GARBAGE,
     None),
    ("easter monday 2027", "scugog-b", date(2027, 3, 29), date(2027, 4, 2),
     GARBAGE | {"yard_waste"}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("week", "zone_id", "today", "day", "streams", "holiday"),
    HAND_TABLE,
    ids=[f"{w}-{z}-{t}" for w, z, t, *_ in HAND_TABLE],
)
def test_holiday_weeks_by_hand(
    kb: KnowledgeBase,
    week: str,
    zone_id: str,
    today: date,
    day: date,
    streams: set[str],
    holiday: str | None,
) -> None:
    collection = kb.next_collection(sample_zone(kb, zone_id), today)
    assert collection.day == day
    assert ids(collection) == streams
    assert (collection.holiday.name if collection.holiday else None) == holiday


def test_the_sample_holidays_of_2026_and_2027_by_hand(kb: KnowledgeBase) -> None:
    listed = {d for d in days(date(2026, 1, 1), date(2027, 12, 31)) if kb.holiday_on(d)}
    assert listed == {
        date(2026, 1, 1), date(2026, 2, 16), date(2026, 4, 3), date(2026, 5, 18),
        date(2026, 7, 1), date(2026, 8, 3), date(2026, 9, 7), date(2026, 10, 12),
        date(2026, 12, 25), date(2026, 12, 26),
        date(2027, 1, 1), date(2027, 2, 15), date(2027, 3, 26), date(2027, 5, 24),
        date(2027, 7, 1), date(2027, 8, 2), date(2027, 9, 6), date(2027, 10, 11),
        date(2027, 12, 25), date(2027, 12, 26),
    }  # fmt: skip
    assert all(h.rule == SHIFT_WEEK for d in listed if (h := kb.holiday_on(d)))


def test_christmas_thursday_and_boxing_day_friday_both_go_to_saturday(kb: KnowledgeBase) -> None:
    """2025: Thursday's collection moves onto Boxing Day, so moves again; Friday's stops at
    Saturday, never Sunday."""
    monday, wednesday, thursday, friday = (
        CollectionZone("t", "whitby", wd, date(2025, 12, 22) + timedelta(days=wd), ("x",))
        for wd in (0, 2, 3, 4)
    )
    week = date(2025, 12, 22)
    assert kb.next_collection(monday, week).day == date(2025, 12, 22)
    assert kb.next_collection(wednesday, week).day == date(2025, 12, 24)
    assert kb.next_collection(thursday, week).day == date(2025, 12, 27)
    friday_collection = kb.next_collection(friday, week)
    assert friday_collection.day == date(2025, 12, 27)
    assert friday_collection.holiday is not None
    assert friday_collection.holiday.name == "Christmas Day"


# -- holiday rules from content -----------------------------------------------------------------


def zone_on(weekday: int) -> CollectionZone:
    return CollectionZone("t", "whitby", weekday, date(2027, 6, 28) + timedelta(days=weekday),
                          ("x",))  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "wednesday", "thursday", "friday"),
    [
        # Canada Day 2027 is a Thursday.
        (SHIFT_WEEK, date(2027, 6, 30), date(2027, 7, 2), date(2027, 7, 3)),
        (SHIFT_DAY, date(2027, 6, 30), date(2027, 7, 2), date(2027, 7, 2)),
        (NO_CHANGE, date(2027, 6, 30), date(2027, 7, 1), date(2027, 7, 2)),
    ],
)
def test_each_rule_by_name_applies_every_year(
    document: Any, rule: str, wednesday: date, thursday: date, friday: date
) -> None:
    doc = copy.deepcopy(document)
    canada_day = next(e for e in doc["collection_holidays"] if e["name"] == "Canada Day")
    canada_day["rule"] = rule
    kb = KnowledgeBase(Content.from_dict(doc))
    week = date(2027, 6, 28)
    assert [kb.next_collection(zone_on(wd), week).day for wd in (2, 3, 4)] == [
        wednesday, thursday, friday,
    ]  # fmt: skip
    # 2026: Canada Day is a Wednesday.
    moved = {SHIFT_WEEK: 1, SHIFT_DAY: 1, NO_CHANGE: 0}[rule]
    assert kb.next_collection(zone_on(2), date(2026, 6, 29)).day == date(2026, 7, 1 + moved)
    assert kb.next_collection(zone_on(3), date(2026, 6, 29)).day == date(
        2026, 7, 2 + (moved if rule == SHIFT_WEEK else 0)
    )
    facility = headquarters(kb)
    assert kb.facility_hours(facility, date(2027, 7, 1)) == facility.holiday_hours


def test_a_dated_entry_gives_an_observed_day(document: Any) -> None:
    """Christmas 2027 is a Saturday: nothing moves unless staff give the observed Monday."""
    kb = KnowledgeBase(Content.from_dict(document))
    assert kb.next_collection(zone_on(0), date(2027, 12, 27)).day == date(2027, 12, 27)
    observed = kb_with(
        document, {"name": "Christmas Day (observed)", "date": "2027-12-27", "rule": "shift_week"}
    )
    monday = observed.next_collection(zone_on(0), date(2027, 12, 27))
    assert monday.day == date(2027, 12, 28)
    assert monday.holiday is not None and monday.holiday.name == "Christmas Day (observed)"
    assert observed.next_collection(zone_on(4), date(2027, 12, 27)).day == date(2028, 1, 1)
    facility = headquarters(observed)
    assert observed.facility_hours(facility, date(2027, 12, 27)) == facility.holiday_hours
    assert kb.facility_hours(facility, date(2027, 12, 27)) == facility.hours[0]


def test_a_dated_entry_overrides_one_year_only(document: Any) -> None:
    kb = kb_with(document, {"name": "Good Friday", "date": date(2027, 3, 26), "rule": "no_change"})
    assert kb.next_collection(zone_on(4), date(2027, 3, 22)).day == date(2027, 3, 26)
    assert kb.next_collection(zone_on(4), date(2026, 3, 30)).day == date(2026, 4, 4)
    assert kb.next_collection(zone_on(4), date(2028, 4, 10)).day == date(2028, 4, 15)


def test_content_adds_a_holiday_the_package_does_not_count_as_statutory(document: Any) -> None:
    plain = KnowledgeBase(Content.from_dict(document))
    facility = headquarters(plain)
    assert plain.holiday_on(date(2027, 3, 29)) is None  # Easter Monday
    assert plain.facility_hours(facility, date(2027, 3, 29)) == facility.hours[0]
    kb = kb_with(document, {"name": "Easter Monday", "rule": "shift_week"})
    assert kb.next_collection(zone_on(0), date(2027, 3, 29)).day == date(2027, 3, 30)
    assert kb.next_collection(zone_on(0), date(2028, 4, 17)).day == date(2028, 4, 18)
    assert kb.facility_hours(facility, date(2027, 3, 29)) == facility.holiday_hours


def test_holidays_come_from_the_package_in_any_year(kb: KnowledgeBase) -> None:
    facility = headquarters(kb)
    assert kb.facility_hours(facility, date(2031, 12, 25)) == facility.holiday_hours
    # Labour Day 2031 is Monday 1 September: a Friday zone goes to Saturday the 6th.
    assert kb.next_collection(zone_on(4), date(2031, 9, 1)).day == date(2031, 9, 6)
    assert kb.holiday_on(date(2031, 11, 11)) is None  # Remembrance Day is not listed


@pytest.mark.parametrize(
    ("spoken", "today", "expected"),
    [
        ("boxing day", date(2026, 11, 23), date(2026, 12, 26)),
        ("easter monday", date(2026, 11, 23), date(2027, 3, 29)),
        ("good friday", date(2026, 11, 23), date(2027, 3, 26)),
        ("christmas", date(2026, 11, 23), date(2026, 12, 25)),
        ("christmas", date(2026, 12, 26), date(2027, 12, 25)),
        ("new years day", date(2026, 11, 23), date(2027, 1, 1)),
        ("new year's", date(2027, 12, 26), date(2028, 1, 1)),
        ("victoria day", date(2026, 11, 23), date(2027, 5, 24)),
        ("family day", date(2026, 11, 23), date(2027, 2, 15)),
        ("thanksgiving", date(2026, 11, 23), date(2027, 10, 11)),
        ("labour day", date(2026, 11, 23), date(2027, 9, 6)),
        ("civic holiday", date(2026, 11, 23), date(2027, 8, 2)),
        ("remembrance day", date(2026, 11, 23), date(2027, 11, 11)),
        ("easter", date(2026, 11, 23), date(2027, 3, 29)),
        ("the day", date(2026, 11, 23), None),
        ("flag day", date(2026, 11, 23), None),
    ],
)
def test_holidays_by_spoken_name(
    kb: KnowledgeBase, spoken: str, today: date, expected: date | None
) -> None:
    holiday = kb.next_holiday_named(spoken, today)
    assert (holiday.date if holiday else None) == expected


def test_content_holidays_by_spoken_name(document: Any) -> None:
    kb = kb_with(document, {"name": "Durham Day", "date": "2027-06-04", "rule": "no_change"})
    holiday = kb.next_holiday_named("durham day", date(2026, 11, 23))
    assert holiday is not None and holiday.date == date(2027, 6, 4)


# -- the content format: strict, by path ------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["collection_zones"][0].update(garbage_anchor="2026-11-18"),
         "content.collection_zones[0].garbage_anchor: 2026-11-18 is a Wednesday, "
         "not the zone's Monday"),
        (lambda d: d["collection_zones"][3].update(garbage_anchor="2026-02-30"),
         "content.collection_zones[3].garbage_anchor: expected a date as YYYY-MM-DD"),
        (lambda d: d["collection_zones"][3].pop("garbage_anchor"),
         "content.collection_zones[3]: missing field(s) garbage_anchor"),
        (lambda d: d["collection_zones"][2].update(garbage_week="odd"),
         "content.collection_zones[2].garbage_week: odd and even weeks are no longer used; "
         "give garbage_anchor"),
        (lambda d: d["collection_holidays"][0].update(rule="shift_month"),
         "content.collection_holidays[0].rule: 'shift_month' is not one of shift_week, "
         "shift_day, no_change"),
        (lambda d: d["collection_holidays"].append({"name": "Simcoe Day", "rule": "no_change"}),
         "content.collection_holidays[10].name: 'Simcoe Day' is not a holiday the holidays "
         "package knows for Ontario"),
        (lambda d: d["collection_holidays"].append({"name": "christmas", "rule": "no_change"}),
         "content.collection_holidays[10]: holiday 'christmas' is already given a rule in "
         "entry 8"),
        (lambda d: d["collection_holidays"].extend(
            [{"name": "A", "date": "2027-06-04"}, {"name": "B", "date": "2027-06-04"}]),
         "content.collection_holidays[11]: date 2027-06-04 is already given a rule in entry 10"),
        (lambda d: d["collection_holidays"].append({"name": "X", "date": "June 4"}),
         "content.collection_holidays[10].date: expected a date"),
        (lambda d: d["collection_holidays"].append({"date": "2027-06-04"}),
         "content.collection_holidays[10]: missing field(s) name"),
    ],
)  # fmt: skip
def test_bad_calendar_content_names_the_field(document: Any, change: Any, message: str) -> None:
    doc = copy.deepcopy(document)
    change(doc)
    with pytest.raises(ContentError, match=re.escape(message)):
        Content.from_dict(doc)


def test_holiday_entries_from_before_rules_still_read(document: Any) -> None:
    """Entries of {date, name} (the format before rules) read as one-off shift_week days."""
    doc = copy.deepcopy(document)
    doc["collection_holidays"] = [{"date": "2026-12-25", "name": "Christmas Day"}]
    kb = KnowledgeBase(Content.from_dict(doc))
    holiday = kb.holiday_on(date(2026, 12, 25))
    assert holiday is not None and holiday.rule == SHIFT_WEEK
    assert kb.next_collection(zone_on(4), date(2026, 12, 21)).day == date(2026, 12, 26)


def test_garbage_weeks_upgrade_to_anchors(document: Any) -> None:
    """An old document's odd and even weeks become anchors with the same November 2026 weeks."""
    old = copy.deepcopy(document)
    for zone in old["collection_zones"]:
        anchor = zone.pop("garbage_anchor")
        zone["garbage_week"] = "odd" if anchor.isocalendar().week % 2 else "even"
    with pytest.raises(ContentError, match=r"collection_zones\[0\]\.garbage_week"):
        Content.from_dict(old)
    assert Content.from_dict(upgrade_garbage_weeks(old)) == Content.from_dict(document)
