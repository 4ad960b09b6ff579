"""The report form's pieces: places as residents say them, answers, phone numbers, digits."""

from __future__ import annotations

import pytest

from fulfillment.report import phone_in, place_from, value_in
from fulfillment.speech import say_digits
from knowledge_base import KnowledgeBase


@pytest.mark.parametrize(
    ("said", "town", "spoken"),
    [
        ("simcoe street north", None, "on Simcoe Street North in Oshawa"),
        ("in front of 123 king street east", "oshawa", "at 123 King Street East in Oshawa"),
        ("at the corner of king street east and simcoe street north", None,
         "at King Street East and Simcoe Street North in Oshawa"),
        ("its on the corner of bayly street east and harwood avenue south", None,
         "at Bayly Street East and Harwood Avenue South in Ajax"),
        ("near the oshawa waste management facility", None, None),
    ],
)  # fmt: skip
def test_places_as_said(
    sample_kb: KnowledgeBase, said: str, town: str | None, spoken: str | None
) -> None:
    place = place_from(sample_kb, said, town)
    assert place is not None
    if spoken is None:  # a facility: its name and its town
        assert place.landmark is not None and place.municipality is not None
        assert place.spoken(sample_kb).startswith(f"at {place.landmark}")
    else:
        assert place.spoken(sample_kb) == spoken


def test_a_street_in_several_towns_is_left_to_ask(sample_kb: KnowledgeBase) -> None:
    place = place_from(sample_kb, "king street east", None)
    assert place is not None and place.municipality is None
    assert place.towns == ["clarington", "oshawa"]


def test_answers_choose_values(sample_kb: KnowledgeBase) -> None:
    pothole = sample_kb.responsibilities.service("pothole")
    assert pothole is not None
    size = pothole.attributes[0]
    assert value_in(size, "it's huge") == "large"
    assert value_in(size, "pretty small") == "small"
    assert value_in(size, "not sure") is None


@pytest.mark.parametrize(
    ("text", "phone"),
    [("905 555 1234", "9055551234"), ("1 905 555 1234", "9055551234"),
     ("my number is 905-555-1234", "9055551234"), ("555 1234", None), ("no", None)],
)  # fmt: skip
def test_phone_numbers(text: str, phone: str | None) -> None:
    assert phone_in(text) == phone


def test_references_are_read_digit_by_digit() -> None:
    assert say_digits("58178581") == "5 8 1 7, 8 5 8 1"
    assert say_digits("123456") == "1 2 3, 4 5 6"
