"""The Google adapter: a Dialogflow CX webhook (WebhookRequest in, WebhookResponse out).

The CX agent sends every turn's text to this webhook (a catch-all route with a
webhook fulfillment), so our NLU reads it; when the agent resolved an intent
itself and sent no text, its display name and parameters are used. Session
parameters carry nothing personal: the dialog state stays on our side.
"""

from __future__ import annotations

import re
from typing import Any

from fulfillment.types import Reply, Turn, TurnKind
from nlu.catalogue import FALLBACK_INTENT, INTENTS
from skill.errors import BadRequest

WELCOME_TAGS = frozenset({"welcome", "launch"})
WELCOME_INTENTS = frozenset({"Default Welcome Intent", "welcome"})
END_SESSION_PARAMETER = "durham311_end_session"
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
        if text:
            return Turn(text=text, **base)
        intent = display_name if display_name in INTENTS else FALLBACK_INTENT
        return Turn(intent=intent, entities=_parameters(intent_info), **base)

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
