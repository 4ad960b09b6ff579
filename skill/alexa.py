"""The Alexa adapter: custom-skill request envelopes to Turns, Replies to response envelopes.

Requests are deserialised and responses built with ask-sdk-core / ask-sdk-model
types, so what we answer is what the ASK SDK itself would produce. The dialog
core is async and ASK's dispatcher is not, so we use the SDK's types and
serializer and do our own dispatch.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.intent_request import IntentRequest
from ask_sdk_model.launch_request import LaunchRequest
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.response import Response as AlexaResponse
from ask_sdk_model.response_envelope import ResponseEnvelope
from ask_sdk_model.session_ended_request import SessionEndedRequest
from ask_sdk_model.ui.ask_for_permissions_consent_card import AskForPermissionsConsentCard
from ask_sdk_model.ui.reprompt import Reprompt
from ask_sdk_model.ui.simple_card import SimpleCard
from ask_sdk_model.ui.ssml_output_speech import SsmlOutputSpeech

from fulfillment.types import AskAddressPermission, DeviceContext, Reply, Turn, TurnKind
from nlu.catalogue import CLOSED_SETS, FALLBACK_INTENT, INTENTS
from skill.errors import BadRequest, Forbidden

log = logging.getLogger(__name__)

BUILT_IN_INTENTS = {
    "AMAZON.StopIntent": "stop",
    "AMAZON.CancelIntent": "stop",
    "AMAZON.HelpIntent": "help",
    "AMAZON.RepeatIntent": "repeat",
    "AMAZON.YesIntent": "affirm",
    "AMAZON.NoIntent": "deny",
    "AMAZON.FallbackIntent": FALLBACK_INTENT,
    "AMAZON.NavigateHomeIntent": "help",
}
# A slot of this name carries the whole utterance (AMAZON.SearchQuery) for our own NLU.
UTTERANCE_SLOT = "utterance"
ADDRESS_PERMISSION = "read::alexa:device:all:address"
# Resolved names that are identifiers, not words: a URL, an Amazon resource name, a hex or
# UUID key. Read aloud or looked up as a phrase, they would be nonsense or another answer.
_LOCATOR = re.compile(r"://|^(?:https?:|www\.|amzn1\.|urn:)", re.I)
_HEX_KEY = re.compile(r"[0-9a-f]{8,}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.I)
MAX_LOGGED_ERROR_CHARS = 300


class AlexaAdapter:
    def __init__(
        self,
        *,
        skill_ids: tuple[str, ...] = (),
        max_request_age_seconds: int = 150,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._skill_ids = skill_ids
        self._max_age = max_request_age_seconds
        self._clock = clock
        self._serializer = DefaultSerializer()

    def to_turn(self, body: str) -> Turn:
        envelope = self._envelope(body)
        request = envelope.request
        assert request is not None  # _envelope refuses envelopes without one
        session = envelope.session
        session_id = session.session_id if session and session.session_id else None
        if not session_id:
            raise BadRequest("Alexa request has no session.sessionId")
        user_id = session.user.user_id if session and session.user else None
        base: dict[str, Any] = {
            "platform": "alexa",
            "session_id": session_id,
            "locale": request.locale or "en-CA",
            "user_id": user_id,
            "device": _device(envelope),
        }
        if isinstance(request, LaunchRequest):
            return Turn(kind=TurnKind.LAUNCH, **base)
        if isinstance(request, SessionEndedRequest):
            _log_session_error(request)
            return Turn(kind=TurnKind.SESSION_END, **base)
        if isinstance(request, IntentRequest):
            return _intent_turn(request, base)
        raise BadRequest(f"unsupported Alexa request type {request.object_type!r}")

    def to_response(self, reply: Reply) -> dict[str, Any]:
        response = AlexaResponse(should_end_session=reply.end_session)
        if reply.speech:
            response.output_speech = _ssml(reply.speech)
        if reply.reprompt and not reply.end_session:
            response.reprompt = Reprompt(output_speech=_ssml(reply.reprompt))
        if any(isinstance(a, AskAddressPermission) for a in reply.actions):
            response.card = AskForPermissionsConsentCard(permissions=[ADDRESS_PERMISSION])
        elif reply.card_text:
            response.card = SimpleCard(title=reply.card_title or "Durham Region 311",
                                       content=reply.card_text)  # fmt: skip
        envelope = ResponseEnvelope(version="1.0", session_attributes={}, response=response)
        result = self._serializer.serialize(envelope)
        assert isinstance(result, dict)
        return result

    def _envelope(self, body: str) -> RequestEnvelope:
        try:
            raw = json.loads(body)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"malformed JSON: {exc}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
            raise BadRequest("expected an Alexa request envelope with a `request` object")
        if "type" not in raw["request"]:
            raise BadRequest("Alexa request has no request.type")
        self._check_skill_id(raw)
        self._check_timestamp(raw["request"].get("timestamp"))
        try:
            envelope = self._serializer.deserialize(body, RequestEnvelope)
        except SerializationException as exc:
            raise BadRequest(f"not a valid Alexa request envelope: {exc}") from None
        if envelope is None or envelope.request is None:
            raise BadRequest("expected an Alexa request envelope")
        return envelope  # type: ignore[no-any-return]

    def _check_skill_id(self, raw: dict[str, Any]) -> None:
        if not self._skill_ids:
            return
        app = ((raw.get("context") or {}).get("System") or {}).get("application") or {}
        app = app or ((raw.get("session") or {}).get("application") or {})
        if app.get("applicationId") not in self._skill_ids:
            raise Forbidden("request is for another skill")

    def _check_timestamp(self, stamp: Any) -> None:
        """Alexa's replay protection: refuse requests older than the allowed age."""
        if not self._max_age:
            return
        if not isinstance(stamp, str):
            raise BadRequest("Alexa request has no request.timestamp")
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"bad request.timestamp {stamp!r}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if abs((self._clock() - when).total_seconds()) > self._max_age:
            raise BadRequest("request.timestamp is too far from now; refusing a possible replay")


def _intent_turn(request: IntentRequest, base: dict[str, Any]) -> Turn:
    intent = request.intent
    name = intent.name if intent else None
    if _denied(intent):
        # The resident said no to Alexa's "you want ..., right?": nothing of it is done.
        return Turn(intent="deny", **base)
    slots: dict[str, str] = {}
    text = None
    for slot_name, slot in ((intent.slots or {}) if intent else {}).items():
        value = _slot_value(slot_name, slot)
        if value is None:
            continue
        if slot_name == UTTERANCE_SLOT:
            text = value
        else:
            slots[slot_name] = value
    mapped = BUILT_IN_INTENTS.get(name or "", name if name in INTENTS else FALLBACK_INTENT)
    return Turn(text=text, intent=mapped, entities=slots, **base)


def _denied(intent: Any) -> bool:
    """Whether the resident refused Alexa's confirmation; Alexa still sends the intent."""
    status = getattr(intent, "confirmation_status", None)
    return getattr(status, "value", status) == "DENIED"


def _slot_value(slot_name: str, slot: Any) -> str | None:
    """What the slot means to us: entity resolution's match when it is a value we can use.

    A match's id is used only when it is one of our canonical values for the slot's entity
    (`blue_box`); other ids belong to someone else's catalogue (hex keys, entity URLs). Its
    name is used when it is words; else, as with no match, the value as heard.
    """
    heard = getattr(slot, "value", None)
    heard = str(heard) if heard else None
    resolved = _matched_value(slot)
    if resolved is None:
        return heard
    canonical = CLOSED_SETS.get(slot_name, ())
    resolved_id = getattr(resolved, "id", None)
    if resolved_id in canonical:
        return str(resolved_id)
    resolved_name = getattr(resolved, "name", None)
    if not isinstance(resolved_name, str) or not _is_words(resolved_name):
        return heard
    name_key = re.sub(r"[\s-]+", "_", resolved_name.strip().lower())
    return name_key if name_key in canonical else resolved_name.strip()


def _matched_value(slot: Any) -> Any:
    """The best value of the first authority that matched (ER_SUCCESS_MATCH), if any."""
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        code = getattr(getattr(authority, "status", None), "code", None)
        values = getattr(authority, "values", None) or []
        if getattr(code, "value", code) == "ER_SUCCESS_MATCH" and values:
            return getattr(values[0], "value", None)
    return None


def _is_words(text: str) -> bool:
    """Whether a resolved name is something to say: not blank, not a locator or a key."""
    text = text.strip()
    return bool(text) and not _LOCATOR.search(text) and not _is_hex_key(text)


def _is_hex_key(text: str) -> bool:
    """A hex or UUID key; all digits ("1640") or all letters ("facade") can be words."""
    return (
        _HEX_KEY.fullmatch(text) is not None
        and any(c.isdigit() for c in text)
        and any(c.isalpha() for c in text)
    )


def _log_session_error(request: SessionEndedRequest) -> None:
    """Alexa ends a session with ERROR when it refused our response or could not reach us:
    the only word we get of it. Its type and message only, never the user or a slot value;
    the message is kept short and on one line, as it is Amazon's text, not ours."""
    if getattr(request.reason, "value", None) != "ERROR":
        return
    error = request.error
    kind = getattr(getattr(error, "object_type", None), "value", None) or "unknown"
    message = " ".join(str(getattr(error, "message", None) or "").split())
    log.warning("Alexa ended the session with an error: type=%s message=%r", kind,
                message[:MAX_LOGGED_ERROR_CHARS])  # fmt: skip


def _device(envelope: RequestEnvelope) -> DeviceContext:
    system = envelope.context.system if envelope.context else None
    if system is None:
        return DeviceContext()
    permissions = system.user.permissions if system.user else None
    granted = ("address",) if permissions and permissions.consent_token else ()
    interfaces = system.device.supported_interfaces if system.device else None
    return DeviceContext(
        api_endpoint=system.api_endpoint,
        api_access_token=system.api_access_token,
        permissions=granted,
        has_screen=bool(interfaces and getattr(interfaces, "alexa_presentation_apl", None)),
    )


def _ssml(text: str) -> SsmlOutputSpeech:
    return SsmlOutputSpeech(ssml=f"<speak>{escape(text)}</speak>")
