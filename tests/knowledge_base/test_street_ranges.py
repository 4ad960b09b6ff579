"""Streets split between collection zones by house number: how content writes them, what
it refuses (by path, naming both zones when a house would be in two), and which zone
"123 king street east" finds.

The documents are the sample with its zones replaced by our own, so nothing here moves
with the sample's streets.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from knowledge_base import SAMPLE_CONTENT, Content, ContentError, KnowledgeBase
from knowledge_base.model import CollectionZone, StreetRange
from knowledge_base.store import load_document
from knowledge_base.streets import StreetMatch, house_number

# King Street East in Oshawa crosses three zones: Monday's up to 499, then Tuesday's odd
# side and Wednesday's even side; in Clarington it is one zone's, whole.
ZONES: list[dict[str, Any]] = [
    {"id": "osh-mon", "municipality": "oshawa", "weekday": "monday",
     "garbage_anchor": "2026-11-16",
     "streets": [{"street": "king street east", "from": 1, "to": 499}, "bond street east"]},
    {"id": "osh-tue", "municipality": "oshawa", "weekday": "tuesday",
     "garbage_anchor": "2026-11-17",
     "streets": ["simcoe street north",
                 {"street": "king street east", "from": 501, "to": 1999, "side": "odd"}]},
    {"id": "osh-wed", "municipality": "oshawa", "weekday": "wednesday",
     "garbage_anchor": "2026-11-18",
     "streets": [{"street": "King St E", "from": 500, "to": 1998, "side": "even"}]},
    {"id": "cla-thu", "municipality": "clarington", "weekday": "thursday",
     "garbage_anchor": "2026-11-19", "streets": ["king street east", "courtice road"]},
    {"id": "ajax-fri", "municipality": "ajax", "weekday": "friday",
     "garbage_anchor": "2026-11-20",
     "streets": [{"street": "harwood avenue south", "from": 1, "to": 300}]},
]  # fmt: skip


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    doc: dict[str, Any] = load_document(SAMPLE_CONTENT)
    doc["collection_zones"] = copy.deepcopy(ZONES)
    return doc


@pytest.fixture(scope="module")
def kb(document: dict[str, Any]) -> KnowledgeBase:
    return KnowledgeBase(Content.from_dict(document))


def with_zones(document: dict[str, Any], *zones: dict[str, Any]) -> dict[str, Any]:
    return {**document, "collection_zones": [copy.deepcopy(z) for z in zones]}


def zone(zone_id: str, *streets: Any, town: str = "oshawa") -> dict[str, Any]:
    """A Monday zone with `streets` as written."""
    return {"id": zone_id, "municipality": town, "weekday": "monday",
            "garbage_anchor": "2026-11-16", "streets": list(streets)}  # fmt: skip


def part(first: Any, last: Any, side: Any = None, street: Any = "king street east") -> Any:
    entry = {"street": street, "from": first, "to": last}
    return entry if side is None else {**entry, "side": side}


# -- what content says --------------------------------------------------------------------


def test_entries_read_as_whole_streets_and_parts(kb: KnowledgeBase) -> None:
    mon, tue, wed, cla, _ = kb.content.collection_zones
    assert mon.streets == ("king street east", "bond street east")
    assert mon.ranges == (StreetRange("king street east", 1, 499, "all"),)
    assert tue.ranges_of("king street east") == (StreetRange("king street east", 501, 1999, "odd"),)
    assert wed.streets == ("king st e",) and wed.ranges[0].side == "even"
    assert cla.ranges == () and cla.ranges_of("king street east") == ()


def test_a_zone_is_written_back_as_it_was_read(document: dict[str, Any], kb: KnowledgeBase) -> None:
    """`street_entries` is what a YAML export writes: reading it back gives the same zones."""
    written = [
        {**z, "streets": kb.content.collection_zones[i].street_entries()}
        for i, z in enumerate(document["collection_zones"])
    ]
    assert written[1]["streets"] == [
        "simcoe street north",
        {"street": "king street east", "from": 501, "to": 1999, "side": "odd"},
    ]
    assert written[0]["streets"][0] == {"street": "king street east", "from": 1, "to": 499}
    again = Content.from_dict({**document, "collection_zones": written})
    assert again.collection_zones == kb.content.collection_zones


def test_numbers_written_as_text_are_read_as_numbers(document: dict[str, Any]) -> None:
    """A CSV import or a form gives "12"; the model keeps 12."""
    doc = with_zones(document, zone("a", part("12", " 40 ", "even")))
    assert Content.from_dict(doc).collection_zones[0].ranges == (
        StreetRange("king street east", 12, 40, "even"),
    )


def test_the_gazetteer_knows_a_street_that_is_only_part_of_zones(kb: KnowledgeBase) -> None:
    assert "harwood avenue south" in kb.gazetteers()["streets"]


def test_a_zone_refuses_ranges_of_streets_it_does_not_list() -> None:
    with pytest.raises(ValueError, match="king street east"):
        CollectionZone("z", "oshawa", 0, date(2026, 11, 16), ("bond street east",),
                       (StreetRange("king street east", 1, 9),))  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (part(10, 5), "streets[0].to: 5 is below from (10); from is the lowest number"),
        (part(0, 5), "streets[0].from: expected a house number: a whole number, 1 or more"),
        (part(-3, 5), "streets[0].from: expected a house number"),
        (part(1, "ten"), "streets[0].to: expected a house number"),
        (part(1, 2.5), "streets[0].to: expected a house number"),
        (part(True, 9), "streets[0].from: expected a house number"),
        (part(1, 9, "both"), "streets[0].side: 'both' is not one of odd, even, all"),
        (part(2, 2, "odd"), "streets[0].side: 2 to 2 has no odd house numbers"),
        (part(1, 9, street=""), "streets[0].street: expected non-empty text"),
        ({"street": "king street east", "from": 1}, "streets[0]: missing field(s) to"),
        ({**part(1, 9), "zone": "b"}, "streets[0]: unknown field(s) zone"),
        ({"name": "king street east"}, "streets[0]: unknown field(s) name"),
        (["king street east"], "streets[0]: expected a street name, or a mapping of street, "
                               "from, to and side"),
        ("  ", "streets[0]: expected non-empty text"),
    ],
)  # fmt: skip
def test_a_bad_street_entry_names_its_field(
    document: dict[str, Any], entry: Any, message: str
) -> None:
    doc = with_zones(document, zone("a", "bond street east"), zone("b", entry))
    with pytest.raises(
        ContentError, match="^" + re.escape(f"content.collection_zones[1].{message}")
    ):
        Content.from_dict(doc)


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("king street east", "king street east",
         "zone b's king street east (the whole street) overlaps zone a's king street east "
         "(the whole street) at content.collection_zones[0].streets[1]"),
        ("king street east", part(1, 99, "odd"),
         "zone b's king street east 1 to 99, odd side overlaps zone a's king street east "
         "(the whole street)"),
        (part(1, 499), "King St. E",  # one street however it is spelt
         "zone b's king st. e (the whole street) overlaps zone a's king street east 1 to 499"),
        (part(1, 499), part(400, 900), "overlaps zone a's king street east 1 to 499 at"),
        (part(1, 999, "odd"), part(500, 600), "zone b's king street east 500 to 600 overlaps"),
        (part(1, 999, "even"), part(998, 1200, "even"), "overlaps zone a's king street east "
                                                        "1 to 999, even side"),
    ],
)  # fmt: skip
def test_a_house_two_zones_claim_is_refused_naming_both(
    document: dict[str, Any], first: Any, second: Any, message: str
) -> None:
    doc = with_zones(document, zone("a", "bond street east", first), zone("b", second))
    with pytest.raises(ContentError) as refused:
        Content.from_dict(doc)
    assert str(refused.value).startswith("content.collection_zones[1].streets[0]: ")
    assert message in str(refused.value)
    assert str(refused.value).endswith("a house can be in one zone only")


def test_one_zone_listing_a_house_twice_is_refused(document: dict[str, Any]) -> None:
    doc = with_zones(document, zone("a", part(1, 99), "bond street east", part(50, 60)))
    with pytest.raises(ContentError, match=re.escape(
        "content.collection_zones[0].streets[2]: zone a's king street east 50 to 60 overlaps "
        "zone a's king street east 1 to 99 at content.collection_zones[0].streets[0]"
    )):  # fmt: skip
        Content.from_dict(doc)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (part(1, 999, "odd"), part(1, 999, "even")),  # the two sides of one stretch
        (part(1, 499), part(500, 999)),  # end to end
        (part(1, 2, "odd"), part(2, 3, "odd")),  # meet at 2, which is not odd
    ],
)
def test_parts_that_share_no_house_are_accepted(
    document: dict[str, Any], first: Any, second: Any
) -> None:
    doc = with_zones(document, zone("a", first), zone("b", second))
    zones = Content.from_dict(doc).collection_zones
    assert [len(z.ranges) for z in zones] == [1, 1]


def test_parts_of_one_side_meet_only_on_that_side() -> None:
    even = StreetRange("x", 1, 99, "even")
    assert even.overlaps(StreetRange("x", 98, 98, "even"))
    assert not even.overlaps(StreetRange("x", 99, 120, "even"))  # 99 is odd; 100 is past it
    assert not StreetRange("x", 1, 2, "odd").overlaps(StreetRange("x", 2, 3, "odd"))
    assert StreetRange("x", 1, 3, "odd").overlaps(StreetRange("x", 3, 3, "all"))


def test_the_same_street_in_two_municipalities_is_two_streets(document: dict[str, Any]) -> None:
    doc = with_zones(document, zone("a", "king street east"),
                     zone("b", "king street east", town="clarington"))  # fmt: skip
    assert len(Content.from_dict(doc).collection_zones) == 2


# -- which zone an address finds ----------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "municipality", "zones"),
    [
        ("123 king street east", "oshawa", ["osh-mon"]),
        ("499 King St. E", "oshawa", ["osh-mon"]),
        ("500 king street east", "oshawa", ["osh-wed"]),
        ("501 king street east", "oshawa", ["osh-tue"]),
        ("it's 777 king st e", "oshawa", ["osh-tue"]),
        ("1998 king street east", "oshawa", ["osh-wed"]),
        ("4-123 king street east", "oshawa", ["osh-mon"]),  # unit 4 at 123
        ("12b king street east", "oshawa", ["osh-mon"]),
        ("123 kings street east", "oshawa", ["osh-mon"]),  # misheard
        ("778 king street east", "oshawa", ["osh-wed"]),
        ("2500 king street east", "oshawa", []),  # no zone has that number
        # without a number: every zone on the street, so the dialog asks for it
        ("king street east", "oshawa", ["osh-mon", "osh-tue", "osh-wed"]),
        ("king street", "oshawa", ["osh-mon", "osh-tue", "osh-wed"]),
        # in two municipalities: the number's zone in each, so the dialog asks which
        ("123 king street east", None, ["osh-mon", "cla-thu"]),
        ("2500 king street east", None, ["osh-mon", "osh-tue", "osh-wed", "cla-thu"]),
        ("king street east", None, ["osh-mon", "osh-tue", "osh-wed", "cla-thu"]),
        ("123 king street east", "clarington", ["cla-thu"]),
        ("2500 king street east", "clarington", ["cla-thu"]),
        # whole streets as before, number or not
        ("bond street east", None, ["osh-mon"]),
        ("9999 bond street east", None, ["osh-mon"]),
        ("15 simcoe street north", None, ["osh-tue"]),
        # a street only partly in any zone
        ("12 harwood avenue south", None, ["ajax-fri"]),
        ("301 harwood avenue south", None, []),
        ("king street west", "oshawa", []),
    ],
)
def test_the_house_number_finds_the_zone(
    kb: KnowledgeBase, said: str, municipality: str | None, zones: list[str]
) -> None:
    assert [z.id for z in kb.street_index.find(said, municipality)] == zones
    assert [z.id for z in kb.find_zones(said, municipality)] == zones


@pytest.mark.parametrize(
    ("said", "municipality", "expected"),
    [
        ("king street east", "oshawa",
         StreetMatch((), None, "king street east", needs_number=True)),
        ("harwood ave s", None, StreetMatch((), None, "harwood avenue south", needs_number=True)),
        ("2500 king street east", "oshawa",
         StreetMatch((), 2500, "king street east", unknown_number=True)),
        ("123 king street east", "oshawa", StreetMatch((), 123, "king street east")),
        ("king street east", "clarington", StreetMatch((), None, "king street east")),
        ("king street east", None, StreetMatch((), None, "king street east")),  # ask the town
        ("bond street east", None, StreetMatch((), None, "bond street east")),
        ("12 nowhere lane", None, StreetMatch((), 12, None)),
    ],
)  # fmt: skip
def test_a_match_says_what_to_ask(
    kb: KnowledgeBase, said: str, municipality: str | None, expected: StreetMatch
) -> None:
    found = kb.street_index.match(said, municipality)
    assert replace(found, zones=()) == expected
    assert found.zones == tuple(kb.street_index.find(said, municipality))


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("123 king street east", 123), ("it's 12b bayly street", 12), ("4-123 king st e", 123),
        ("number 55 simcoe street", 55), ("i live at 7 king", 7), ("highway 2", None),
        ("4th line", None), ("king street east", None), ("line 8", None), ("", None),
    ],
)  # fmt: skip
def test_the_house_number_is_the_one_before_the_street(said: str, number: int | None) -> None:
    assert house_number(said) == number


def test_the_sample_reads_as_before(sample_kb: KnowledgeBase) -> None:
    """Plain street names are whole streets: the sample has no ranges, and no street that
    two of its zones in one town claim."""
    assert all(z.ranges == () for z in sample_kb.content.collection_zones)
    assert sample_kb.street_index.match("king street east", "oshawa").needs_number is False
