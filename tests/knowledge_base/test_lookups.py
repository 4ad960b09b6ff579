from datetime import date, timedelta

import pytest

from knowledge_base import KnowledgeBase
from knowledge_base.lookups import street_key
from knowledge_base.model import CollectionZone


def zone(weekday: int, garbage_week: str = "odd") -> CollectionZone:
    """A test zone whose garbage goes out in odd ISO weeks of November 2026 (or even ones)."""
    anchor = date(2026, 11, 16 if garbage_week == "odd" else 23) + timedelta(days=weekday)
    return CollectionZone("test", "whitby", weekday, anchor, ("test street",))


@pytest.mark.parametrize(
    ("phrase", "item_id_part"),
    [
        ("a pizza box", "pizza"),
        ("old tv", "tv"),
        ("batteries", "batter"),
        ("coffee cups", "coffee"),
    ],
)
def test_items_are_found_the_way_people_say_them(
    sample_kb: KnowledgeBase, phrase: str, item_id_part: str
) -> None:
    item = sample_kb.find_waste_item(phrase)
    assert item is not None and item_id_part in item.id


def test_unknown_items_are_not_guessed(sample_kb: KnowledgeBase) -> None:
    assert sample_kb.find_waste_item("flux capacitor") is None


def test_disposal_sentences_name_the_item(sample_kb: KnowledgeBase) -> None:
    item = sample_kb.find_waste_item("pizza box")
    assert item is not None
    sentence = sample_kb.disposal_sentence(item)
    assert item.name in sentence and sentence[0].isupper()


def test_street_keys_spell_out_abbreviations() -> None:
    assert street_key("123 Simcoe St. N") == "simcoe street north"
    assert street_key("king st and simcoe st") == "king street"


def test_collection_moves_a_day_after_a_weekday_holiday(sample_kb: KnowledgeBase) -> None:
    # Christmas Day 2026 is a Friday: a Friday collection moves to Saturday the 26th.
    christmas_week = sample_kb.next_collection(zone(4), date(2026, 12, 21))
    assert christmas_week.day == date(2026, 12, 26)
    assert christmas_week.holiday is not None and "Christmas" in christmas_week.holiday.name
    # A Thursday collection that week is before the holiday and does not move.
    assert sample_kb.next_collection(zone(3), date(2026, 12, 21)).day == date(2026, 12, 24)


def test_garbage_goes_out_every_other_week(sample_kb: KnowledgeBase) -> None:
    odd = sample_kb.next_collection(zone(1, "odd"), date(2026, 11, 23))  # ISO week 48: even
    even = sample_kb.next_collection(zone(1, "even"), date(2026, 11, 23))
    assert "garbage" not in {s.id for s in odd.streams}
    assert "garbage" in {s.id for s in even.streams}
    assert {"blue_box", "green_bin"} <= {s.id for s in odd.streams}


def test_yard_waste_is_seasonal(sample_kb: KnowledgeBase) -> None:
    winter = sample_kb.next_collection(zone(1), date(2027, 1, 12))
    assert "yard_waste" not in {s.id for s in winter.streams}


def test_todays_collection_counts_as_next(sample_kb: KnowledgeBase) -> None:
    assert sample_kb.next_collection(zone(0), date(2026, 11, 23)).day == date(2026, 11, 23)


def test_zones_are_found_from_an_address(sample_kb: KnowledgeBase) -> None:
    some_zone = sample_kb.content.collection_zones[0]
    street = some_zone.streets[0]
    found = sample_kb.find_zones(f"42 {street}", some_zone.municipality)
    assert some_zone in found
    assert sample_kb.find_zones("42 nowhere lane") == []


def test_facility_hours_close_on_holidays(sample_kb: KnowledgeBase) -> None:
    facility = sample_kb.find_facility("oshawa dump")
    assert facility is not None and facility.id == "oshawa-wmf"
    assert sample_kb.facility_hours(facility, date(2026, 12, 25)) == facility.holiday_hours


def test_faq_needs_a_keyword(sample_kb: KnowledgeBase) -> None:
    article = sample_kb.search_faq("how do i pay my water bill")
    assert article is not None and "water" in article.id
    assert sample_kb.search_faq("what is the meaning of life") is None


def test_alerts_by_date_and_municipality(sample_kb: KnowledgeBase) -> None:
    today = date(2026, 11, 22)
    everywhere = sample_kb.active_alerts(today)
    assert everywhere and all(a.active_on(today) for a in everywhere)
    for alert in sample_kb.active_alerts(today, "brock"):
        assert alert.municipality in (None, "brock")
