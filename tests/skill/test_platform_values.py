"""The Turns the adapters build from what Alexa and Dialogflow CX resolved themselves.

Over-the-wire answers are in test_http.py; these pin the Turn each platform value gives,
including cases a reply alone cannot show (a CX date next to text, a slot's canonical name).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from fulfillment.types import Turn
from skill.alexa import AlexaAdapter
from skill.google import GoogleAdapter
from tests.skill.test_http import (
    FOREIGN_HEX,
    FOREIGN_URL,
    alexa_body,
    cx_request,
    intent,
    resolved,
    resolved_intent,
)


def alexa_turn(request: dict[str, Any]) -> Turn:
    return AlexaAdapter().to_turn(json.dumps(alexa_body(request)))


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("waste_stream", resolved("recycling", "ER_SUCCESS_MATCH", "blue_box", "Blue Box"),
         "blue_box"),
        ("waste_stream", resolved("recycling", "ER_SUCCESS_MATCH", FOREIGN_HEX, "Blue Box"),
         "blue_box"),
        ("municipality", resolved("white bee", "ER_SUCCESS_MATCH", FOREIGN_URL, "Whitby"),
         "whitby"),
        ("waste_item", resolved("pizza boxes", "ER_SUCCESS_MATCH", "pizza_box", "Pizza box"),
         "Pizza box"),
        ("facility", resolved("the dump", "ER_SUCCESS_MATCH", "oshawa-wmf",
                              "Oshawa Waste Management Facility"),
         "Oshawa Waste Management Facility"),
        ("waste_item", resolved("pizza box", "ER_SUCCESS_MATCH", FOREIGN_HEX, FOREIGN_HEX),
         "pizza box"),
        ("waste_item", resolved("pizza box", "ER_SUCCESS_MATCH", FOREIGN_HEX,
                                "123e4567-e89b-12d3-a456-426614174000"), "pizza box"),
        ("waste_item", resolved("pizza box", "ER_SUCCESS_MATCH", "", "  "), "pizza box"),
        ("issue_type", resolved("pot hole", "ER_SUCCESS_NO_MATCH"), "pot hole"),
        ("address", resolved("1640 ritson road", "ER_SUCCESS_MATCH", FOREIGN_HEX, "1640"),
         "1640"),
    ],
    ids=["canonical-id", "canonical-name", "canonical-name-url-id", "span-id-not-used",
         "kb-id-not-used", "hex-name", "uuid-name", "blank-name", "no-match", "digits-name"],
)  # fmt: skip
def test_alexa_slot_values(slot: str, value: dict[str, Any], expected: str) -> None:
    turn = alexa_turn(resolved_intent("collection_day", {slot: value}))
    assert turn.entities == {slot: expected}


@pytest.mark.parametrize(
    "value", ["2026-12-01", "2026-W49", "2026-W49-WE", "2026-12", "PRESENT_REF", "XXXX-12-25"]
)
def test_alexa_date_values_are_the_date_entity(value: str) -> None:
    turn = alexa_turn(intent("facility_info", {"facility": "oshawa depot", "date": value}))
    assert turn.entities == {"facility": "oshawa depot", "date": value}


def test_alexa_denied_confirmation_is_a_bare_deny() -> None:
    request = intent("report_problem", {"issue_type": "pothole", "utterance": "a pothole"})
    request["intent"]["confirmationStatus"] = "DENIED"
    turn = alexa_turn(request)
    assert (turn.intent, turn.entities, turn.text) == ("deny", {}, None)


def cx_parameters(**where: dict[str, Any]) -> dict[str, Any]:
    return cx_request(
        sessionInfo={"session": "projects/p/locations/global/agents/a/sessions/s1",
                     "parameters": where.get("session", {})},
        intentInfo={"displayName": "facility_info", "parameters": where.get("intent", {})},
        **where.get("body", {}),
    )  # fmt: skip


DEC_1 = {"year": 2026, "month": 12, "day": 1}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (cx_parameters(intent={"date": {"originalValue": "tuesday", "resolvedValue": DEC_1}}),
         {"date": "2026-12-01"}),
        (cx_parameters(session={"date": DEC_1}), {"date": "2026-12-01"}),
        (cx_parameters(session={"date": "2026-12-05"},
                       intent={"date": {"originalValue": "tuesday", "resolvedValue": DEC_1}}),
         {"date": "2026-12-01"}),
        (cx_parameters(intent={"date": {"resolvedValue": {"year": 2026, "month": 2, "day": 30}}}),
         {}),
        (cx_parameters(session={"date": "tomorrow"}), {}),
        (cx_parameters(intent={"date": {"originalValue": "tomorrow",
                                        "resolvedValue": "tomorrow"}}), {"date": "tomorrow"}),
    ],
    ids=["intent-object", "session-object", "intent-before-session", "no-such-day",
         "session-words", "intent-words-as-said"],
)  # fmt: skip
def test_cx_date_parameters_become_the_date_entity(
    body: dict[str, Any], expected: dict[str, str]
) -> None:
    assert GoogleAdapter().to_turn(body).entities == expected


def test_cx_date_parameter_rides_along_with_text() -> None:
    """Our NLU reads the text; the agent's date is on the Turn for the dialog to use."""
    body = cx_parameters(session={"date": DEC_1}, body={"text": "is the oshawa dump open then"})
    turn = GoogleAdapter().to_turn(body)
    assert (turn.text, turn.intent, turn.entities) == (
        "is the oshawa dump open then", None, {"date": "2026-12-01"})  # fmt: skip
