"""The Google adapter: a Dialogflow CX webhook (WebhookRequest in, WebhookResponse out).

The CX agent sends every turn's text to this webhook (a catch-all route with a
webhook fulfillment), so our NLU reads it; when the agent resolved an intent
itself and sent no text, its display name and parameters are used. A `date`
parameter (`@sys.date`: `{"year", "month", "day"}` or an ISO string) becomes the turn's
`date` entity as `YYYY-MM-DD`, with or without text: the agent has already worked out
"next tuesday", and fulfillment reads that form. Session parameters we set carry nothing
personal: the dialog state stays on our side.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fulfillment.types import Reply, Turn, TurnKind
from nlu.catalogue import FALLBACK_INTENT, INTENTS
from skill.errors import BadRequest

WELCOME_TAGS = frozenset({"welcome", "launch"})
WELCOME_INTENTS = frozenset({"Default Welcome Intent", "welcome"})
END_SESSION_PARAMETER = "durham311_end_session"
DATE_PARAMETER = "date"  # named as the catalogue's entity, like every other parameter
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:T.*)?")
_FLOW = re.compile(r"^(?P<flow>projects/[^/]+/locations/[^/]+/agents/[^/]+/flows/[^/]+)/pages/")


class GoogleAdapter:
    def to_turn(self, body: Any) -> Turn:
        if not isinstance(body, dict):
            raise BadRequest("expected a Dialogflow CX WebhookRequest JSON object")
        session = (body.get("sessionInfo") or {}).get("session")
        if not isinstance(session, str) or not session:
            raise BadRequest("WebhookRequest has no sessionInfo.session")
        text = body.get("text") or body.get("transcript")
        if text is not None and not isinstance(text, str):
            raise BadRequest("WebhookRequest.text must be a string")
        tag = ((body.get("fulfillmentInfo") or {}).get("tag") or "").lower()
        intent_info = body.get("intentInfo") or {}
        display_name = intent_info.get("displayName") if isinstance(intent_info, dict) else None
        base: dict[str, Any] = {
            "platform": "google",
            "session_id": session,
            "locale": str(body.get("languageCode") or "en"),
        }
        if not text and (tag in WELCOME_TAGS or display_name in WELCOME_INTENTS):
            return Turn(kind=TurnKind.LAUNCH, **base)
        day = _date_parameter(body)
        if text:
            return Turn(text=text, entities={DATE_PARAMETER: day} if day else {}, **base)
        intent = display_name if display_name in INTENTS else FALLBACK_INTENT
        entities = _parameters(intent_info)
        if day:
            entities[DATE_PARAMETER] = day
        return Turn(intent=intent, entities=entities, **base)

    def to_response(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = {
            "fulfillmentResponse": {
                "messages": [{"text": {"text": [reply.speech]}}] if reply.speech else [],
                "mergeBehavior": "REPLACE",
            },
            "sessionInfo": {"parameters": {END_SESSION_PARAMETER: reply.end_session}},
        }
        if reply.end_session:
            page = ((body.get("pageInfo") or {}).get("currentPage")) or ""
            match = _FLOW.match(page) if isinstance(page, str) else None
            if match:
                response["targetPage"] = f"{match['flow']}/pages/END_SESSION"
        return response


def _parameters(intent_info: dict[str, Any]) -> dict[str, str]:
    params = intent_info.get("parameters") or {}
    values: dict[str, str] = {}
    if not isinstance(params, dict):
        return values
    for name, param in params.items():
        value = (
            param.get("resolvedValue", param.get("originalValue"))
            if isinstance(param, dict)
            else None
        )
        if isinstance(value, str | int | float) and str(value):
            values[str(name)] = str(value)
    return values


def _date_parameter(body: dict[str, Any]) -> str | None:
    """This turn's date as `YYYY-MM-DD`: the matched intent's parameter first, as the
    session's may be left from an earlier turn, then the session's (form parameters)."""
    param = _field(_field(body, "intentInfo"), "parameters").get(DATE_PARAMETER)
    if isinstance(param, dict):
        found = _iso_date(param.get("resolvedValue", param.get("originalValue")))
        if found:
            return found
    return _iso_date(_field(_field(body, "sessionInfo"), "parameters").get(DATE_PARAMETER))


def _field(parent: dict[str, Any], name: str) -> dict[str, Any]:
    """A nested JSON object, or an empty one when it is missing or not an object."""
    value = parent.get(name)
    return value if isinstance(value, dict) else {}


def _iso_date(value: Any) -> str | None:
    """A CX `@sys.date` value as `YYYY-MM-DD`, or None when it names no valid day.

    CX sends `{"year": 2026, "month": 12, "day": 1}` (numbers may arrive as 2026.0, as
    protobuf numbers are doubles), or a string; a date-time string keeps its date part.
    """
    try:
        if isinstance(value, dict):
            year, month, day = (_whole(value.get(k)) for k in ("year", "month", "day"))
            if year is None or month is None or day is None:
                return None
            return date(year, month, day).isoformat()
        if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
            return date.fromisoformat(value.strip()[:10]).isoformat()
    except (ValueError, OverflowError):
        return None
    return None


def _whole(number: Any) -> int | None:
    """A whole number from JSON, where 12 may come as 12.0; never a boolean."""
    if isinstance(number, bool) or not isinstance(number, int | float):
        return None
    return int(number) if float(number).is_integer() else None
