"""The dialog manager: one turn in, one reply out, state kept between turns.

Handlers are small objects tried in order, as in the ASK SDK: the first whose
`can_handle` says yes answers. The order is the policy: emergencies first,
then the conversation controls (stop, help, repeat), then an answer to a
question we asked, then the resident's intents, then an honest fallback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from fulfillment.sessions import DialogState, SessionStore
from fulfillment.speech import tidy
from fulfillment.types import Reply, Turn, TurnKind
from knowledge_base import KnowledgeBase
from nlu import Entity, IntentScore, NLUEngine, NLUError, Parse
from nlu.catalogue import EMERGENCY_INTENT, FALLBACK_INTENT, INTENTS, carries
from nlu.normalize import normalize
from nlu.safety import GENERAL, Danger, SafetyCheck

log = logging.getLogger(__name__)

# Slots whose answer may be the resident's whole reply ("simcoe street", "the old couch").
FREE_FORM_SLOTS = frozenset({"address", "waste_item", "facility", "request_number"})
# A bare answer with nothing pending goes to the intent its entity implies.
INFORM_ROUTES = (
    ("waste_item", "waste_sorting"),
    ("request_number", "request_status"),
    ("issue_type", "report_problem"),
    ("facility", "facility_info"),
    ("address", "collection_day"),
)
# Intents that never answer our question: they are handled as themselves.
_CONTROL_INTENTS = frozenset({EMERGENCY_INTENT, "stop", "help", "repeat", "goodbye"})


@dataclass(slots=True)
class Context:
    """Everything a handler may read.

    `intent` may differ from the parse: an answer to our question is routed to the asker.
    """

    turn: Turn
    parse: Parse
    state: DialogState
    kb: KnowledgeBase
    now: datetime
    intent: str
    answer: str | None = None  # the resident's answer to our pending question, if this is one
    answer_slot: str | None = None  # which slot that answer fills
    danger: Danger | None = None  # danger heard in this turn: it is answered before anything
    after_safety: str | None = None  # the kind of danger our last reply was about
    all_clear: bool = False  # the resident says that danger is over ("it was a false alarm")
    text: str = field(init=False)  # the normalised words, which several handlers read

    def __post_init__(self) -> None:
        self.text = normalize(self.parse.text).text

    @property
    def today(self) -> date:
        return self.now.date()

    def entity(self, name: str) -> Entity | None:
        """This turn's entity of that type, as the intent being handled may carry it.

        When an answer is routed to the intent that asked, a span set aside because the
        parse's own intent could not carry it ("tomorrow" heard with waste_sorting) is
        the asking intent's to use.
        """
        found = self.parse.entity(name)
        if found is None and self.intent != self.parse.intent.name and carries(self.intent, name):
            found = self.parse.aside(name)
        return found

    def slot(self, name: str) -> str | None:
        """This turn's entity, or the value heard earlier in the session."""
        entity = self.entity(name)
        if entity is not None:
            return entity.value
        if name == self.answer_slot and self.answer:
            return self.answer
        return self.state.slots.get(name)

    def remember(self, name: str, value: str) -> None:
        self.state.slots[name] = value


class Handler(Protocol):
    def can_handle(self, ctx: Context) -> bool: ...

    async def handle(self, ctx: Context) -> Reply: ...


@dataclass(frozen=True, slots=True)
class TurnResult:
    reply: Reply
    parse: Parse | None
    elapsed_ms: float
    danger: Danger | None = None


TROUBLE = Reply(
    speech="Sorry, I'm having trouble understanding right now. Please try again in a moment, "
    "or call 311.",
    reprompt="Please try again in a moment.",
)
WELCOME = Reply(
    speech="Welcome to Durham Region 311. You can ask about your garbage day, where an item "
    "goes, or depot hours. What would you like to know?",
    reprompt="What would you like to know? For example, when is my garbage day.",
)


class DialogManager:
    def __init__(
        self,
        *,
        nlu: NLUEngine,
        knowledge: Callable[[], KnowledgeBase],
        sessions: SessionStore,
        handlers: Sequence[Handler],
        clock: Callable[[], datetime],
        safety: SafetyCheck | None = None,
    ) -> None:
        self.nlu, self._knowledge, self.sessions = nlu, knowledge, sessions
        self.handlers, self.clock = tuple(handlers), clock
        self.safety = safety or SafetyCheck()

    async def handle(self, turn: Turn) -> TurnResult:
        started = time.perf_counter()
        if turn.kind is TurnKind.SESSION_END:
            await self.sessions.drop(turn.session_id)
            return TurnResult(Reply(speech="", end_session=True), None, _ms(started))
        state = await self._load(turn)
        parse = danger = None
        if turn.kind is TurnKind.LAUNCH:
            reply = WELCOME
        else:
            parse = await self._understand_safely(turn)
            danger = self._danger(turn, parse)
            if parse is None and danger is not None:  # the engine is down: danger still counts
                parse = Parse(turn.text or "", IntentScore(EMERGENCY_INTENT, 1.0))
            if parse is None:
                reply = TROUBLE
            else:
                after, state.safety = state.safety, None
                ctx = Context(
                    turn, parse, state, self._knowledge(), self.clock(), parse.intent.name,
                    danger=danger, after_safety=after,
                    all_clear=after is not None and self.safety.all_clear(parse.text),
                )  # fmt: skip
                reply = await self._dispatch(ctx)
        if parse is None or parse.intent.name != "repeat":
            state.last_speech, state.last_reprompt = reply.speech, reply.reprompt
        state.turns += 1
        await self._keep(turn, state, reply)
        elapsed = _ms(started)
        # Intent names and timings only: what residents say stays out of the logs.
        log.info("turn platform=%s intent=%s danger=%s ms=%.1f", turn.platform,
                 parse.intent.name if parse else turn.kind.value,
                 danger.kind if danger else "-", elapsed)  # fmt: skip
        return TurnResult(reply, parse, elapsed, danger)

    async def _load(self, turn: Turn) -> DialogState:
        """The session's state; a new session also picks up the user's last safety reply."""
        state = await self.sessions.load(turn.session_id)
        if state.turns == 0 and state.safety is None and turn.user_id:
            key = _after_safety_key(turn)
            carried = await self.sessions.load(key)
            if carried.safety is not None:
                await self.sessions.drop(key)
                return carried
        return state

    async def _keep(self, turn: Turn, state: DialogState, reply: Reply) -> None:
        """Save the state, or drop it when the session ends.

        A safety reply that ends the session still leaves itself behind, under the session
        and the platform's user, so "what did you say?" or "it was a false alarm" in the
        next session (Alexa starts a new one) is understood.
        """
        if not reply.end_session:
            await self.sessions.save(turn.session_id, state)
        elif state.safety is not None:
            kept = state.after_safety()
            await self.sessions.save(turn.session_id, kept)
            if turn.user_id:
                await self.sessions.save(_after_safety_key(turn), kept)
        else:
            await self.sessions.drop(turn.session_id)

    def _danger(self, turn: Turn, parse: Parse | None) -> Danger | None:
        """Danger in the whole utterance, or in the slot values when the platform sent no text."""
        text = turn.text if turn.text and turn.text.strip() else " ".join(turn.entities.values())
        ranking = parse.intent_ranking if parse else ()
        score = next((s.confidence for s in ranking if s.name == EMERGENCY_INTENT), 0.0)
        danger = self.safety.assess(normalize(text).text, emergency_score=score)
        if danger is None and parse is not None and parse.intent.name == EMERGENCY_INTENT:
            danger = Danger(GENERAL, parse.text, source="intent")
        return danger

    async def understand(self, turn: Turn) -> Parse:
        """The NLU's reading of the text, or the platform's own resolution when it sent no text."""
        if turn.text and turn.text.strip():
            return await self.nlu.parse(turn.text)
        if turn.intent in INTENTS:
            entities = tuple(Entity(k, v, 0, 0, extractor=turn.platform)
                             for k, v in turn.entities.items())  # fmt: skip
            return Parse(turn.text or "", IntentScore(turn.intent, 1.0), entities)
        return Parse(turn.text or "", IntentScore(FALLBACK_INTENT, 0.0))

    async def _understand_safely(self, turn: Turn) -> Parse | None:
        """The parse, or None if the engine is down (the safety check still runs)."""
        try:
            return await self.understand(turn)
        except NLUError as exc:
            log.error("NLU engine %s failed: %s", self.nlu.name, exc)
            return None

    async def _dispatch(self, ctx: Context) -> Reply:
        if ctx.danger is None:  # danger keeps the open question for after an all clear
            self._resolve_pending(ctx)
        for handler in self.handlers:
            if handler.can_handle(ctx):
                reply = await handler.handle(ctx)
                return replace(reply, speech=tidy(reply.speech))
        raise AssertionError("the handler list must end with a fallback that handles everything")

    @staticmethod
    def _resolve_pending(ctx: Context) -> None:
        """Route an answer to our last question back to the intent that asked it.

        A reply that carries the asked-for entity, a bare answer (`inform`), or one the
        NLU could not place counts as the answer; anything else means the resident
        moved on, and the question is dropped.
        """
        state = ctx.state
        intent, slot = ctx.parse.intent.name, state.pending_slot
        if intent == "inform" and not state.pending_intent:
            names = {e.entity for e in ctx.parse.entities}
            ctx.intent = next((i for e, i in INFORM_ROUTES if e in names), FALLBACK_INTENT)
            return
        if not state.pending_intent or not slot or intent in _CONTROL_INTENTS:
            return
        if slot == "confirm":  # a yes/no offer: "would you like your collection day?"
            if intent == "affirm":
                ctx.intent = state.pending_intent
            if intent != "deny":
                state.clear_pending()
            return
        entity = ctx.parse.answer_to(slot)
        if entity is None and intent not in ("inform", state.pending_intent, FALLBACK_INTENT):
            if intent != "deny":
                state.clear_pending()
            return
        ctx.intent = state.pending_intent
        ctx.answer_slot = slot
        ctx.answer = entity.value if entity else (ctx.text if slot in FREE_FORM_SLOTS else None)
        state.clear_pending()


def _after_safety_key(turn: Turn) -> str:
    return f"after-safety:{turn.platform}:{turn.user_id}"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
