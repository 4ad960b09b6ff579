"""Every endpoint over real HTTP against the real app."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.response_envelope import ResponseEnvelope
from google.cloud.dialogflowcx_v3 import WebhookRequest, WebhookResponse

from skill.app import create_app
from skill.services import Core
from skill.settings import Settings
from tests.conftest import free_port

Client = TestClient[Any, Any]
SKILL_ID = "amzn1.ask.skill.test"
SESSION = "projects/p/locations/global/agents/a/sessions/s1"
PAGE = "projects/p/locations/global/agents/a/flows/f/pages/START_PAGE"


def alexa_body(request: dict[str, Any], *, age: timedelta = timedelta(0)) -> dict[str, Any]:
    stamp = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "1.0",
        "session": {
            "new": False,
            "sessionId": "amzn1.echo-api.session.1",
            "application": {"applicationId": SKILL_ID},
            "user": {"userId": "amzn1.ask.account.1"},
        },
        "context": {
            "System": {
                "application": {"applicationId": SKILL_ID},
                "user": {"userId": "amzn1.ask.account.1"},
                "device": {"deviceId": "device-1", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "token",
            }
        },
        "request": {
            "requestId": "amzn1.echo-api.request.1",
            "timestamp": stamp,
            "locale": "en-CA",
            **request,
        },
    }


def intent(name: str, slots: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "type": "IntentRequest",
        "intent": {
            "name": name,
            "confirmationStatus": "NONE",
            "slots": {
                k: {"name": k, "value": v, "confirmationStatus": "NONE"}
                for k, v in (slots or {}).items()
            },
        },
    }


def envelope(body: dict[str, Any]) -> ResponseEnvelope:
    parsed = DefaultSerializer().deserialize(json.dumps(body), ResponseEnvelope)
    assert isinstance(parsed, ResponseEnvelope)
    return parsed


def cx_request(**fields: Any) -> dict[str, Any]:
    body = {
        "detectIntentResponseId": "r1",
        "sessionInfo": {"session": SESSION, "parameters": {}},
        "fulfillmentInfo": {"tag": "durham311"},
        "pageInfo": {"currentPage": PAGE, "displayName": "Start Page"},
        "languageCode": "en",
        **fields,
    }
    WebhookRequest.from_json(json.dumps(body))  # our fixture is a valid CX request
    return body


def cx_response(body: dict[str, Any]) -> WebhookResponse:
    return WebhookResponse.from_json(json.dumps(body))  # unknown fields would raise


# -- health and NLU -------------------------------------------------------------------------------


async def test_health(client: Client) -> None:
    resp = await client.get("/health")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok" and body["engine"] == "spacy" and body["content_revision"] >= 1


async def test_model_parse_answers_like_rasa(client: Client) -> None:
    resp = await client.post("/model/parse", json={"text": "is it recycling week in white bee"})
    assert resp.status == 200
    body = await resp.json()
    assert body["text"] == "is it recycling week in white bee"
    assert body["intent"]["name"] == "collection_day"
    assert {"name", "confidence"} == set(body["intent"])
    for ent in body["entities"]:
        assert {"entity", "value", "start", "end", "confidence", "extractor"} == set(ent)
    values = {e["entity"]: e["value"] for e in body["entities"]}
    assert values == {"waste_stream": "blue_box", "municipality": "whitby"}
    assert body["intent_ranking"][0]["name"] == "collection_day"


# -- bad input, on every endpoint -----------------------------------------------------------------

ENDPOINTS = ["/model/parse", "/console/turn", "/alexa", "/google"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "message"),
    [("", "empty"), ("   ", "empty"), ("{not json", "malformed JSON"), ("[1, 2]", "")],
)
async def test_bad_bodies_get_a_clear_400(
    client: Client, path: str, body: str, message: str
) -> None:
    resp = await client.post(path, data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    error = await resp.json()
    assert error["status"] == 400 and message in error["error"]


@pytest.mark.parametrize("path", ["/model/parse", "/console/turn"])
@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "`text` must be a string"),
        ({"text": 42}, "`text` must be a string"),
        ({"text": "x" * 5000, "session_id": "s"}, "longer than"),
    ],
)
async def test_bad_fields_get_a_clear_400(
    client: Client, path: str, payload: Any, message: str
) -> None:
    resp = await client.post(path, json=payload)
    assert resp.status == 400
    assert message in (await resp.json())["error"]


async def test_console_turn_needs_a_session(client: Client) -> None:
    resp = await client.post("/console/turn", json={"text": "hello"})
    assert resp.status == 400
    assert "session_id" in (await resp.json())["error"]


async def test_oversized_bodies_are_refused(client: Client) -> None:
    resp = await client.post("/model/parse", data=b"x" * 300_000)
    assert resp.status == 413
    assert "larger than" in (await resp.json())["error"]


async def test_unknown_routes_and_methods_answer_json(client: Client) -> None:
    missing = await client.get("/nope")
    assert missing.status == 404 and (await missing.json())["status"] == 404
    wrong = await client.get("/model/parse")
    assert wrong.status == 405 and (await wrong.json())["status"] == 405


@pytest.mark.parametrize(
    "text",
    ["", "😀🎉", "\u0000\u0007", "日本語", "ab" * 499],
    ids=["empty", "emoji", "control", "cjk", "long"],
)
async def test_odd_text_gets_a_clean_parse(client: Client, text: str) -> None:
    resp = await client.post("/model/parse", json={"text": text})
    assert resp.status == 200
    assert (await resp.json())["intent"]["name"]


# -- console --------------------------------------------------------------------------------------


async def test_console_turns_keep_their_session(client: Client) -> None:
    first = await (
        await client.post("/console/turn", json={"session_id": "c1", "text": "when is garbage day"})
    ).json()
    assert "street address" in first["reply"]["speech"]
    assert first["nlu"]["intent"]["name"] == "collection_day"
    second = await (
        await client.post(
            "/console/turn", json={"session_id": "c1", "text": "123 simcoe street north"}
        )
    ).json()
    assert "next collection" in second["reply"]["speech"]
    assert second["elapsed_ms"] >= 0


# -- Alexa ----------------------------------------------------------------------------------------


async def test_alexa_launch(client: Client) -> None:
    resp = await client.post("/alexa", json=alexa_body({"type": "LaunchRequest"}))
    assert resp.status == 200
    env = envelope(await resp.json())
    assert env.response.should_end_session is False
    assert "Welcome" in env.response.output_speech.ssml
    assert env.response.reprompt.output_speech.ssml.startswith("<speak>")


async def test_alexa_intent_with_slots(client: Client) -> None:
    body = alexa_body(intent("waste_sorting", {"waste_item": "pizza box"}))
    env = envelope(await (await client.post("/alexa", json=body)).json())
    assert "green bin" in env.response.output_speech.ssml
    assert env.response.should_end_session is False


async def test_alexa_free_text_goes_through_our_nlu(client: Client) -> None:
    body = alexa_body(intent("free_text", {"utterance": "there's a fire in my kitchen"}))
    env = envelope(await (await client.post("/alexa", json=body)).json())
    assert "9-1-1" in env.response.output_speech.ssml
    assert env.response.should_end_session is True
    assert "9-1-1" in env.response.card.title


async def test_alexa_built_in_stop_ends_the_session(client: Client) -> None:
    env = envelope(
        await (await client.post("/alexa", json=alexa_body(intent("AMAZON.StopIntent")))).json()
    )
    assert env.response.should_end_session is True


async def test_alexa_unknown_intent_gets_a_spoken_fallback(client: Client) -> None:
    resp = await client.post("/alexa", json=alexa_body(intent("OrderPizzaIntent")))
    assert resp.status == 200
    assert "can't help" in envelope(await resp.json()).response.output_speech.ssml


async def test_alexa_session_ended_gets_an_empty_response(client: Client) -> None:
    body = alexa_body({"type": "SessionEndedRequest", "reason": "USER_INITIATED"})
    env = envelope(await (await client.post("/alexa", json=body)).json())
    assert env.response.output_speech is None


async def test_alexa_speech_is_escaped_ssml(client: Client) -> None:
    body = alexa_body(intent("waste_sorting", {"waste_item": "<audio src='x'/> & stuff"}))
    ssml = envelope(
        await (await client.post("/alexa", json=body)).json()
    ).response.output_speech.ssml
    assert "<audio" not in ssml and "&lt;audio" in ssml


@pytest.mark.parametrize(
    ("make_body", "message"),
    [
        (lambda: {"version": "1.0"}, "`request` object"),
        (lambda: {"request": {"timestamp": "x"}}, "request.type"),
        (lambda: alexa_body({"type": "LaunchRequest"}, age=timedelta(minutes=10)), "timestamp"),
        (lambda: {**alexa_body({"type": "LaunchRequest"}), "session": None}, "sessionId"),
        (lambda: alexa_body({"type": "Nonsense.Request"}), "not a valid Alexa request envelope"),
    ],
    ids=["no-request", "no-type", "replayed", "no-session", "unknown-type"],
)
async def test_bad_alexa_requests_get_a_clear_400(
    client: Client, make_body: Callable[[], Any], message: str
) -> None:
    # Bodies are built when the test runs, not at collection: a slow suite would
    # otherwise make every timestamp stale and trip replay protection instead.
    resp = await client.post("/alexa", json=make_body())
    assert resp.status == 400
    assert message in (await resp.json())["error"]


async def test_alexa_requests_for_another_skill_are_refused(settings: Settings, core: Core) -> None:
    locked = Settings(
        **{**settings_fields(settings), "alexa_skill_ids": ("amzn1.ask.skill.other",)}
    )
    server = TestServer(create_app(locked, core=core), host="127.0.0.1", port=free_port())
    async with TestClient(server) as other:
        resp = await other.post("/alexa", json=alexa_body({"type": "LaunchRequest"}))
        assert resp.status == 403


def settings_fields(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


# -- Google (Dialogflow CX) -----------------------------------------------------------------------


async def test_google_text_turn(client: Client) -> None:
    resp = await client.post("/google", json=cx_request(text="where does a pizza box go"))
    assert resp.status == 200
    body = await resp.json()
    reply = cx_response(body)
    assert "green bin" in reply.fulfillment_response.messages[0].text.text[0]
    assert body["sessionInfo"]["parameters"]["durham311_end_session"] is False
    assert "targetPage" not in body


async def test_google_welcome(client: Client) -> None:
    body = await (
        await client.post("/google", json=cx_request(fulfillmentInfo={"tag": "welcome"}))
    ).json()
    assert "Welcome" in cx_response(body).fulfillment_response.messages[0].text.text[0]


async def test_google_stop_ends_the_session(client: Client) -> None:
    body = await (await client.post("/google", json=cx_request(text="stop"))).json()
    cx_response(body)
    assert body["targetPage"] == "projects/p/locations/global/agents/a/flows/f/pages/END_SESSION"
    assert body["sessionInfo"]["parameters"]["durham311_end_session"] is True


async def test_google_agent_resolved_intent(client: Client) -> None:
    request = cx_request(
        intentInfo={
            "lastMatchedIntent": "projects/p/locations/global/agents/a/intents/i",
            "displayName": "waste_sorting",
            "parameters": {
                "waste_item": {"originalValue": "pizza box", "resolvedValue": "pizza box"}
            },
            "confidence": 0.9,
        }
    )
    body = await (await client.post("/google", json=request)).json()
    assert "green bin" in cx_response(body).fulfillment_response.messages[0].text.text[0]


async def test_google_unknown_intent_gets_a_spoken_fallback(client: Client) -> None:
    request = cx_request(intentInfo={"displayName": "order.pizza", "confidence": 0.9})
    body = await (await client.post("/google", json=request)).json()
    assert "can't help" in cx_response(body).fulfillment_response.messages[0].text.text[0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "hi"}, "sessionInfo.session"),
        ({"sessionInfo": {"session": SESSION}, "text": 5}, "text"),
    ],
)
async def test_bad_google_requests_get_a_clear_400(client: Client, body: Any, message: str) -> None:
    resp = await client.post("/google", json=body)
    assert resp.status == 400
    assert message in (await resp.json())["error"]


async def test_google_webhook_token_is_checked(settings: Settings, core: Core) -> None:
    locked = Settings(**{**settings_fields(settings), "google_webhook_token": "s3cret"})
    server = TestServer(create_app(locked, core=core), host="127.0.0.1", port=free_port())
    async with TestClient(server) as other:
        denied = await other.post("/google", json=cx_request(text="hello"))
        assert denied.status == 403
        allowed = await other.post(
            "/google", json=cx_request(text="hello"), headers={"Authorization": "Bearer s3cret"}
        )
        assert allowed.status == 200


# -- platform values: entity resolution, AMAZON.DATE, confirmation, CX dates ---------------------


def resolved(value: str, code: str, resolved_id: str = "", name: str = "") -> dict[str, Any]:
    """A slot as Alexa sends it after entity resolution: what was heard, and what it matched."""
    authority: dict[str, Any] = {
        "authority": "amzn1.er-authority.echo-sdk.amzn1.ask.skill.test.Type",
        "status": {"code": code},
    }
    if code == "ER_SUCCESS_MATCH":
        authority["values"] = [{"value": {"name": name, "id": resolved_id}}]
    return {
        "value": value,
        "confirmationStatus": "NONE",
        "resolutions": {"resolutionsPerAuthority": [authority]},
    }


def resolved_intent(name: str, slots: dict[str, dict[str, Any]]) -> dict[str, Any]:
    request = intent(name)
    request["intent"]["slots"] = {k: {"name": k, **v} for k, v in slots.items()}
    return request


FOREIGN_HEX = "9f86d081884c7d659a2feaa0c55ad015"
FOREIGN_URL = "https://durham.example.org/entities/waste-items/7731"
AUTHORITY_ID = "amzn1.er-authority.echo-sdk.amzn1.ask.skill.test.IssueType/3b2f"


@pytest.mark.parametrize(
    ("name", "slot", "value", "expected", "foreign"),
    [
        ("report_problem", "issue_type", resolved("hole in the road", "ER_SUCCESS_MATCH",
                                                  "pothole", "Road hole"), "a pothole", ""),
        ("service_alerts", "municipality", resolved("the shwa", "ER_SUCCESS_MATCH",
                                                    "oshawa", "City of Oshawa"), "Oshawa", ""),
        ("waste_sorting", "waste_item", resolved("pizza boxes", "ER_SUCCESS_MATCH",
                                                 FOREIGN_HEX, "pizza box"), "green bin",
         FOREIGN_HEX),
        ("report_problem", "issue_type", resolved("hole in the road", "ER_SUCCESS_MATCH",
                                                  FOREIGN_HEX, "Pothole"), "a pothole",
         FOREIGN_HEX),
        ("waste_sorting", "waste_item", resolved("pizza boxes", "ER_SUCCESS_MATCH",
                                                 FOREIGN_URL, "pizza box"), "green bin",
         FOREIGN_URL),
        ("report_problem", "issue_type", resolved("pothole", "ER_SUCCESS_MATCH",
                                                  AUTHORITY_ID, "pothole"), "a pothole",
         AUTHORITY_ID),
        ("waste_sorting", "waste_item", resolved("pizza box", "ER_SUCCESS_MATCH",
                                                 FOREIGN_URL, FOREIGN_URL), "green bin",
         FOREIGN_URL),
        ("waste_sorting", "waste_item", resolved("pizza box", "ER_SUCCESS_NO_MATCH"),
         "green bin", ""),
    ],
    ids=["canonical-id", "canonical-id-municipality", "hex-id", "hex-id-closed-set", "url-id",
         "authority-id", "url-name-falls-back-to-heard", "no-match"],
)  # fmt: skip
async def test_alexa_resolved_slots_use_our_values_never_foreign_ids(
    client: Client, name: str, slot: str, value: dict[str, Any], expected: str, foreign: str
) -> None:
    resp = await client.post("/alexa", json=alexa_body(resolved_intent(name, {slot: value})))
    assert resp.status == 200
    raw = await resp.text()
    assert expected in envelope(json.loads(raw)).response.output_speech.ssml
    assert "http" not in raw.lower()
    assert not foreign or foreign not in raw


FACILITY = "oshawa waste management facility"


@pytest.mark.parametrize(
    ("value", "spoken"),
    [
        ("2026-12-01", "open Tuesday, December 1st from 8 a.m. to 4 p.m."),
        ("2026-W49-WE", "open Saturday, December 5th from 8 a.m. to 4 p.m."),
        ("2026-W49", "closed Monday, November 30th"),
        ("2026-12", "open Tuesday, December 1st"),
        ("XXXX-12-25", "closed Friday, December 25th"),
        ("PRESENT_REF", "closed today"),
    ],
)
async def test_alexa_date_slot_answers_for_that_date(
    client: Client, value: str, spoken: str
) -> None:
    """The conftest clock is Monday 23 November 2026, when this facility is closed."""
    body = alexa_body(intent("facility_info", {"facility": FACILITY, "date": value}))
    response = envelope(await (await client.post("/alexa", json=body)).json()).response
    assert spoken in response.output_speech.ssml


async def test_alexa_denied_confirmation_is_not_fulfilled(client: Client) -> None:
    request = intent("facility_info", {"facility": FACILITY, "date": "2026-12-01"})
    request["intent"]["confirmationStatus"] = "DENIED"
    env = envelope(await (await client.post("/alexa", json=alexa_body(request))).json())
    speech = env.response.output_speech.ssml
    assert "Okay" in speech
    assert "Waste Management Facility" not in speech and "December" not in speech


async def test_alexa_confirmed_intent_is_fulfilled(client: Client) -> None:
    request = intent("facility_info", {"facility": FACILITY, "date": "2026-12-01"})
    request["intent"]["confirmationStatus"] = "CONFIRMED"
    env = envelope(await (await client.post("/alexa", json=alexa_body(request))).json())
    assert "December 1st" in env.response.output_speech.ssml


async def test_alexa_session_ended_by_an_error_is_logged_without_personal_data(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = alexa_body({
        "type": "SessionEndedRequest",
        "reason": "ERROR",
        "error": {"type": "INVALID_RESPONSE", "message": "SSML is not valid\nat line 1"},
    })  # fmt: skip
    with caplog.at_level("WARNING", logger="skill.alexa"):
        resp = await client.post("/alexa", json=body)
    assert resp.status == 200
    [record] = [r for r in caplog.records if r.name == "skill.alexa"]
    assert record.levelname == "WARNING"
    logged = record.getMessage()
    assert "INVALID_RESPONSE" in logged and "SSML is not valid at line 1" in logged
    assert "amzn1.ask.account" not in logged and "amzn1.echo-api.session" not in logged


async def test_alexa_session_ended_by_the_user_logs_no_warning(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = alexa_body({"type": "SessionEndedRequest", "reason": "USER_INITIATED"})
    with caplog.at_level("WARNING", logger="skill.alexa"):
        await client.post("/alexa", json=body)
    assert not [r for r in caplog.records if r.name == "skill.alexa"]


def cx_facility(date_parameter: Any, *, in_session: bool = False) -> dict[str, Any]:
    """A CX turn the agent resolved itself: facility_info with its facility and a date."""
    parameters: dict[str, Any] = {
        "facility": {"originalValue": FACILITY, "resolvedValue": FACILITY}
    }
    session: dict[str, Any] = {"session": SESSION, "parameters": {}}
    if in_session:
        session["parameters"]["date"] = date_parameter
    else:
        parameters["date"] = {"originalValue": "december first", "resolvedValue": date_parameter}
    return cx_request(
        sessionInfo=session,
        intentInfo={
            "lastMatchedIntent": "projects/p/locations/global/agents/a/intents/i",
            "displayName": "facility_info",
            "parameters": parameters,
            "confidence": 0.9,
        },
    )


@pytest.mark.parametrize(
    ("request_body", "spoken"),
    [
        (cx_facility({"year": 2026, "month": 12, "day": 1}),
         "open Tuesday, December 1st from 8 a.m. to 4 p.m."),
        (cx_facility({"year": 2026.0, "month": 12.0, "day": 5.0}),
         "open Saturday, December 5th"),
        (cx_facility("2026-12-01T12:00:00-05:00"), "open Tuesday, December 1st"),
        (cx_facility({"year": 2026, "month": 12, "day": 25}, in_session=True),
         "closed Friday, December 25th"),
    ],
    ids=["date-object", "date-object-doubles", "iso-string", "session-parameter"],
)  # fmt: skip
async def test_google_date_parameter_answers_for_that_date(
    client: Client, request_body: dict[str, Any], spoken: str
) -> None:
    body = await (await client.post("/google", json=request_body)).json()
    assert spoken in cx_response(body).fulfillment_response.messages[0].text.text[0]
