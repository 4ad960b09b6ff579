"""The dialog manager: one turn in, one reply out, state kept between turns.

Handlers are small objects tried in order, as in the ASK SDK: the first whose
`can_handle` says yes answers. The order is the policy: emergencies first,
then the conversation controls (stop, help, repeat), then an answer to a
question we asked, then the resident's intents, then an honest fallback.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from fulfillment.errors import FulfillmentError
from fulfillment.requests_desk import RequestDesk
from fulfillment.sessions import DialogState, SessionStore
from fulfillment.speech import tidy
from fulfillment.types import Reply, Turn, TurnKind
from fulfillment.unanswered import Reason, Scrubber, UnansweredStore
from knowledge_base import KnowledgeBase
from nlu import Entity, IntentScore, NLUEngine, NLUError, Parse
from nlu.catalogue import (
    EMERGENCY_INTENT,
    FALLBACK_INTENT,
    INTENTS,
    RESIDENT_INTENTS,
    carries,
    split_carried,
)
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
# Forms that take any answer while open, and the questions that leave one.
FORM_INTENTS = frozenset({"report_problem"})
FORM_ANSWERS = frozenset({"address", "facility", "issue_type", "municipality", "waste_stream"})
FORM_ESCAPE_CONFIDENCE = 0.9
# The resident's own questions (as opposed to answers and conversation controls).
QUESTION_INTENTS = frozenset(RESIDENT_INTENTS) - {EMERGENCY_INTENT, FALLBACK_INTENT}
ANYTHING_ELSE = "Anything else?"
FORM_ESCAPES = QUESTION_INTENTS - FORM_INTENTS - {"out_of_scope"}
# Intents that never answer our question: they are handled as themselves.
_CONTROL_INTENTS = frozenset({EMERGENCY_INTENT, "stop", "help", "repeat", "goodbye"})
# What each topic can have changed by a follow-up ("what about the green bin"): the
# catalogue's entities for the intent, and the town for "the one in whitby".
TOPIC_ENTITIES: dict[str, frozenset[str]] = {
    "collection_day": frozenset({"waste_stream", "address", "municipality", "date"}),
    "waste_sorting": frozenset({"waste_item"}),
    "facility_info": frozenset({"facility", "date", "municipality"}),
    "service_alerts": frozenset({"municipality"}),
    "faq": frozenset(),
    "contact_agent": frozenset(),
    # "actually it's on simcoe street north" after a report was named as another body's
    "report_problem": frozenset({"address", "municipality", "issue_type"}),
}
# Kept between questions of any topic: where the resident lives.
RESIDENT_SLOTS = frozenset({"address", "municipality"})
_FOLLOW_UP = re.compile(
    r"^(?:and|also|so|ok and|okay and|then|what about|how about|what if|same for|the one|that one|"
    r"is it|are they|is that|whats their|what is their|what are their|tell me more|more about|"
    r"the first|the second|the third|the last|how do i book|how do i do)\b"
)
# What can be asked about a topic without naming it again ("how much does it cost").
_ASPECTS: dict[str, re.Pattern[str]] = {
    "facility_info": re.compile(
        r"\b(?:open|opens|close|closes|closed|closing|hours|cost|costs|fees?|price|charge|"
        r"phone|number|call|where is|address|located|how do i get there)\b"
    ),
    "faq": re.compile(r"\b(?:phone number|number|call them|what about|how about)\b"),
    "service_alerts": re.compile(r"\b(?:more|second|first|third|last|the \w+ one)\b"),
}
# "Is the port perry one open": a place asked about after an answer that named places.
# "What day do they meet", "is it open": the question is about what we just talked about.
_BACK_REFERENCE = re.compile(r"\b(?:they|them|their|that|those)\b")
_PLACE_ASKED = re.compile(r"\b(?:open|opens|close|closes|closed|hours)\b")
# "No, I meant Harmony Road South": the lead-in of a correction is not part of the answer.
_LEAD_IN = re.compile(
    r"^(?:(?:no|nope|sorry|actually|oops|wait|i|meant|said|its|it's|it|is|make|that|not)\b\s*)+"
)
_CORRECTION = re.compile(
    r"^(?:no|nope|sorry|actually|oops|not|wait|no no|no sorry)\b|\bi meant\b|\bi said\b"
)


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
    follow_up: bool = False  # this turn changes one thing of the topic: remembered values count
    correction: bool = False  # "no, i meant pickering": the last value said replaces the old
    unused: set[str] = field(default_factory=set)  # entities heard but not meant as values
    desk: RequestDesk | None = None  # files and tracks service requests, when configured
    unanswered: Reason | None = None  # set by a handler with no answer for it
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
        if self.correction:  # "not oshawa, whitby": the value said last is the one meant
            said = [e for e in self.parse.entities if e.entity == name]
            if said:
                return said[-1]
        found = self.parse.entity(name)
        if found is None and self.intent != self.parse.intent.name and carries(self.intent, name):
            found = self.parse.aside(name)
        return found

    def remembered(self, name: str) -> str | None:
        """A value of the topic, for a follow-up; None for a new question."""
        return self.state.slots.get(name) if self.follow_up else None

    def slot(self, name: str) -> str | None:
        """This turn's entity, or the value heard earlier in the session."""
        entity = self.entity(name)
        if entity is not None:
            return entity.value
        if name == self.answer_slot and self.answer:
            return self.answer
        if name in RESIDENT_SLOTS or self.follow_up:
            return self.state.slots.get(name)
        return None

    def remember(self, name: str, value: str) -> None:
        self.state.slots[name] = value


GLAD = "I'm glad you're okay."


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
        desk: RequestDesk | None = None,
        unanswered: UnansweredStore | None = None,
    ) -> None:
        self.nlu, self._knowledge, self.sessions = nlu, knowledge, sessions
        self.desk, self.unanswered = desk, unanswered
        self._scrubbing: tuple[KnowledgeBase, Scrubber] | None = None
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
                reply = await self._answer(turn, parse, state, danger)
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

    async def _answer(
        self, turn: Turn, parse: Parse, state: DialogState, danger: Danger | None
    ) -> Reply:
        """The reply to one turn; two questions said in one breath are both answered."""
        second: Parse | None = None
        if danger is None and state.pending_intent is None:
            parse, second = await self._split(parse)
        after, state.safety = state.safety, None
        kb, now = self._knowledge(), self.clock()
        clear = after is not None and self.safety.all_clear(parse.text)
        ctx = Context(turn, parse, state, kb, now, parse.intent.name, danger=danger,
                      after_safety=after, all_clear=clear, desk=self.desk)  # fmt: skip
        reply = await self._dispatch(ctx)
        await self._note_unanswered(ctx)
        if second is None and state.queued and state.pending_intent is None:
            second, state.queued = await self.nlu.parse(state.queued), None
        if second is None or reply.end_session:
            return reply
        if state.pending_intent is not None:  # answer the other after our question
            state.queued = second.text
            return reply
        more = await self._dispatch(
            Context(turn, second, state, kb, now, second.intent.name, desk=self.desk)
        )
        first = reply.speech.removesuffix(ANYTHING_ELSE).strip()
        return replace(more, speech=f"{first} {more.speech}")

    async def _note_unanswered(self, ctx: Context) -> None:
        """Keep what we could not answer, scrubbed of personal details, for content staff.

        A storage failure is logged (without the words) and never changes the reply.
        """
        if ctx.unanswered is None or self.unanswered is None or ctx.danger is not None:
            return
        try:
            await self.unanswered.record(ctx.parse.text, reason=ctx.unanswered, intent=ctx.intent,
                                         when=ctx.now, scrubber=self._scrubber(ctx.kb))  # fmt: skip
        except FulfillmentError as exc:
            log.warning("unanswered question not kept: %s", type(exc).__name__)

    def _scrubber(self, kb: KnowledgeBase) -> Scrubber:
        """One scrubber per published content: it knows that content's street names."""
        if self._scrubbing is None or self._scrubbing[0] is not kb:
            self._scrubbing = (kb, Scrubber(streets=kb.gazetteers()["streets"]))
        return self._scrubbing[1]

    async def _split(self, parse: Parse) -> tuple[Parse, Parse | None]:
        """'When is garbage day and is the depot open': two questions, when each half is a
        confident question of its own with a different intent; otherwise the parse as is."""
        words = parse.text.split()
        for at, word in enumerate(words):
            if word.lower() not in ("and", "also") or not 3 <= at <= len(words) - 3:
                continue
            halves = " ".join(words[:at]), " ".join(words[at + 1 :]).removeprefix("also ")
            first, second = await self.nlu.parse(halves[0]), await self.nlu.parse(halves[1])
            names = first.intent.name, second.intent.name
            if all(n in QUESTION_INTENTS for n in names) and (
                names[0] != names[1] or names[0] == "faq"
            ):
                return first, second
        return parse, None

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
            return _with_platform_values(await self.nlu.parse(turn.text), turn)
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
            _follow_topic(ctx)
        for handler in self.handlers:
            if handler.can_handle(ctx):
                reply = await handler.handle(ctx)
                _keep_topic(ctx)
                if ctx.all_clear and not reply.speech.startswith(GLAD):  # "fine, so where…"
                    reply = replace(reply, speech=f"{GLAD} {reply.speech}")
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
        if state.pending_intent in FORM_INTENTS:
            _resolve_form_answer(ctx)
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
        free_form = _LEAD_IN.sub("", ctx.text) if slot in FREE_FORM_SLOTS else None
        ctx.answer = entity.value if entity else free_form or None
        state.clear_pending()


def _resolve_form_answer(ctx: Context) -> None:
    """A form being filled in (a report) takes every answer, whatever the NLU made of it
    ("it's huge" is no intent at all), unless the resident plainly asks something else."""
    state, parse = ctx.state, ctx.parse
    said = {e.entity for e in parse.entities}
    moved_on = (
        parse.intent.name in FORM_ESCAPES
        and parse.intent.confidence >= FORM_ESCAPE_CONFIDENCE
        and not said & FORM_ANSWERS
    )
    if moved_on:  # nothing was filed; the half-made form is dropped with the question
        state.clear_pending()
        state.report = None
        return
    ctx.intent, ctx.answer_slot = state.pending_intent or ctx.intent, state.pending_slot
    ctx.answer = _LEAD_IN.sub("", ctx.text) or ctx.text
    state.clear_pending()


def _follow_topic(ctx: Context) -> None:
    """A follow-up or a correction of the last answer is answered against its topic.

    "What about the green bin", "and on saturday", "the one in whitby", "not oshawa,
    whitby": the turn changes one thing and the rest is taken from the topic. A turn
    with its own question ("where does a pizza box go") starts a new topic.
    """
    topic, state = ctx.state.topic, ctx.state
    if ctx.answer_slot is not None:  # the answer to our question carries the topic on
        ctx.follow_up = ctx.intent == topic
        return
    if topic is None or ctx.intent in _CONTROL_INTENTS:
        return
    if ctx.intent in ("affirm", "greet") or state.pending_intent:
        return
    said = {e.entity for e in (*ctx.parse.entities, *ctx.parse.set_aside)}
    prior = state.prior_topic
    if prior and not _changes(topic, said) and _changes(prior, said):
        topic = prior  # "and the green bin" after two questions: it changes the first one
    named = said & TOPIC_ENTITIES.get(topic, frozenset())
    correction = _CORRECTION.search(ctx.text) is not None and bool(named)
    if ctx.intent == topic:
        cue = _FOLLOW_UP.search(ctx.text) is not None
        ctx.follow_up = cue or correction or not (said - RESIDENT_SLOTS)
    elif correction or _refers_back(ctx, topic, said):
        ctx.intent, ctx.follow_up = topic, True
    elif topic == "waste_sorting" and _PLACE_ASKED.search(ctx.text) and not _own(topic, said):
        ctx.intent, ctx.follow_up = "facility_info", True  # "is the port perry one open"
    ctx.correction = correction and ctx.intent == topic
    if ctx.intent in TOPIC_ENTITIES and not ctx.follow_up:
        # A new question: forget the old topic's item, place, stream and date; where the
        # resident lives is kept for the session.
        for name in [k for k in state.slots if k not in RESIDENT_SLOTS]:
            del state.slots[name]


def _changes(topic: str, said: set[str]) -> set[str]:
    """What of the topic the turn names, beyond where the resident lives."""
    return said & TOPIC_ENTITIES.get(topic, frozenset()) - RESIDENT_SLOTS


def _own(topic: str, said: set[str]) -> set[str]:
    """What the turn names that the topic has no place for (a date is welcome anywhere)."""
    return said - RESIDENT_SLOTS - TOPIC_ENTITIES.get(topic, frozenset()) - {"date"}


def _refers_back(ctx: Context, topic: str, said: set[str]) -> bool:
    """Whether a turn the NLU read as another intent is about the topic all the same."""
    cue = _FOLLOW_UP.search(ctx.text) is not None
    unplaced = ctx.intent in ("inform", "deny", "faq", "contact_agent", FALLBACK_INTENT)
    aspect = _ASPECTS.get(topic)
    if said & TOPIC_ENTITIES.get(topic, frozenset()) and (cue or unplaced):
        return True  # "what about the green bin", "in whitby"
    if cue and not said:
        return True  # "and how do i book that"
    if _own(topic, said):
        return False
    if aspect is not None and aspect.search(ctx.text) and unplaced:
        return True  # "how much does it cost"
    return (
        topic == "faq"
        and ctx.intent in QUESTION_INTENTS
        and _BACK_REFERENCE.search(ctx.text) is not None
    )  # "what day do they meet"


def _keep_topic(ctx: Context) -> None:
    """After an answer: the topic is this intent, holding what the turn said."""
    state = ctx.state
    if state.pending_intent is None:
        state.asked, state.asked_times = None, 0
    if ctx.intent not in TOPIC_ENTITIES or ctx.danger is not None:
        return
    if state.topic != ctx.intent:
        state.prior_topic = state.topic
    state.topic = ctx.intent
    for name in TOPIC_ENTITIES[ctx.intent] - ctx.unused:
        entity = ctx.entity(name)
        if entity is not None:
            state.slots[name] = entity.value
        elif name == ctx.answer_slot and ctx.answer:
            state.slots[name] = ctx.answer


def _with_platform_values(parse: Parse, turn: Turn) -> Parse:
    """The platform's resolved values (a CX date parameter) beside the text's own, for the
    kinds of entity the text did not give: a value said in this turn beats a session's
    parameter that may be left over from an earlier one."""
    heard = {e.entity for e in (*parse.entities, *parse.set_aside)}
    extra = [Entity(k, v, 0, 0, extractor=turn.platform)
             for k, v in turn.entities.items() if k not in heard]  # fmt: skip
    if not extra:
        return parse
    carried, aside = split_carried(parse.intent.name, extra)
    return replace(parse, entities=parse.entities + carried, set_aside=parse.set_aside + aside)


def _after_safety_key(turn: Turn) -> str:
    return f"after-safety:{turn.platform}:{turn.user_id}"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
