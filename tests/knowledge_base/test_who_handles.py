"""Who handles what: the sample's table is complete and routes as Durham works, bad tables
are refused by path, and stores from before the table get the sample's (unverified)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from knowledge_base import SAMPLE_CONTENT, Content, ContentError, KnowledgeBase
from knowledge_base.store import load_document


@pytest.fixture
def sample() -> Any:
    return load_document(SAMPLE_CONTENT)


def test_every_service_resolves_in_every_municipality(sample_kb: KnowledgeBase) -> None:
    table = sample_kb.content.who_handles
    desk = sample_kb.responsibilities
    assert table.verified is False, "the sample's numbers are for staff to verify"
    towns = [m.id for m in sample_kb.content.municipalities]
    assert len(towns) == 8
    for duty in table.responsibilities:
        for town in towns:
            agency = desk.handler(duty.id, town).agency
            assert agency.phone and agency.website, (duty.id, town)
    for kind in sample_kb.content.service_types:
        assert desk.service_for_issue(kind.issue_type) is kind


@pytest.mark.parametrize(
    ("duty", "town", "streets", "who", "ours"),
    [
        ("roads", "oshawa", ("simcoe street north",), "region", True),
        ("roads", "oshawa", ("simcoe st s",), "region", True),
        ("roads", "oshawa", ("king street west",), "oshawa", False),
        ("roads", "oshawa", ("king street east", "simcoe street north"), "region", True),
        ("roads", "brock", ("simcoe street",), "brock", False),  # not a Regional road there
        ("roads", "oshawa", ("old simcoe road",), "oshawa", False),
        ("garbage_collection", "oshawa", (), "oshawa", False),
        ("garbage_collection", "whitby", (), "whitby", False),
        ("green_bin", "whitby", (), "whitby", False),
        ("garbage_collection", "ajax", (), "region", True),
        ("blue_box", "ajax", (), "blue_box", False),
        ("blue_box", "oshawa", (), "blue_box", False),
        ("traffic_signals", "pickering", ("kingston road",), "region", True),
        ("streetlights", "oshawa", ("simcoe street north",), "oshawa", False),
        ("parking", "uxbridge", (), "uxbridge", False),
    ],
)
def test_who_handles_what(
    sample_kb: KnowledgeBase, duty: str, town: str, streets: tuple[str, ...], who: str, ours: bool
) -> None:
    handler = sample_kb.responsibilities.handler(duty, town, streets)
    assert (handler.agency.id, handler.ours) == (who, ours)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["who_handles"]["agencies"].pop(1), r"missing ajax"),
        (lambda d: d["who_handles"]["responsibilities"][0].update(handled_by="nobody"),
         r"responsibilities\[0\]\.handled_by: 'nobody' is not one of"),
        (lambda d: d["who_handles"]["regional_roads"][0].update(municipalities=["toronto"]),
         r"regional_roads\[0\]\.municipalities\[0\]: 'toronto' is not a municipality"),
        (lambda d: d["service_types"][0].update(responsibility="space"),
         r"service_types\[0\]\.responsibility: 'space' is not one of"),
        (lambda d: d["service_types"][1].update(code="pothole"),
         r"service_types\[1\]\.code: 'pothole' is already used by entry 0"),
        (lambda d: d["service_types"][0].update(contact="phone"),
         r"service_types\[0\]\.contact_reason: say why the crew needs it"),
        (lambda d: d["service_types"][0]["attributes"][0].update(question="why " * 61),
         r"attributes\[0\]\.question: 61 words"),
        (lambda d: d["service_types"][0]["attributes"][0].update(values=[]),
         r"attributes\[0\]\.values: expected at least 2 entries"),
    ],
)  # fmt: skip
def test_bad_tables_are_refused_by_path(sample: Any, change: Any, message: str) -> None:
    change(sample)
    with pytest.raises(ContentError, match=message):
        Content.from_dict(sample)


def test_a_store_published_before_the_table_gets_the_samples(
    sample: Any, published_long_ago: Callable[[Any], Content]
) -> None:
    old = {k: v for k, v in sample.items() if k not in ("who_handles", "service_types")}
    content = published_long_ago(old)
    assert content.who_handles.verified is False
    assert {t.code for t in content.service_types} >= {"pothole", "missed_collection"}
