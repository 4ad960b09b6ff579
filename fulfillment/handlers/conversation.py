"""Safety and the conversation controls: emergency, stop, help, repeat, greetings, fallback."""

from __future__ import annotations

import re

from fulfillment.dialog import ANYTHING_ELSE, GLAD, QUESTION_INTENTS, Context
from fulfillment.handlers.base import IntentHandler, answer, local_service
from fulfillment.types import Reply

HELP = (
    "You can ask me when your garbage day is, where an item goes, depot hours, "
    "service alerts, or how to reach 311. What would you like to know?"
)
WHAT_NEXT = "What would you like to know?"
# A "no" that goes on to say something: "no wait", "no, I meant".
_MORE = re.compile(r"\b(?:wait|hold on|i meant|i mean|actually)\b")
SURE_FALLBACK = 0.35  # FAQ similarity needed when the NLU placed the question nowhere
# A contact question about someone other than 311 ("police non emergency", "211").
_NAMES_ANOTHER = re.compile(
    r"\b(police|211|2 1 1|poison|toll free|paramedics?|ambulance|transit|bus|health|housing|"
    r"after hours|water emergency|emergency line|24 hour)\b"
)
# Said right after a safety reply, these mean "I didn't catch that", whatever else they mean.
_MISSED_IT = frozenset({"what", "huh", "sorry", "pardon", "what was that", "sorry what", "eh"})


def safety_reply(ctx: Context, kind: str) -> Reply:
    """The help for one kind of danger, worded by content; at night, its after-hours words."""
    advice = ctx.kb.content.safety.advice(kind)
    speech = advice.speech
    if advice.after_hours and not ctx.kb.office_open(ctx.now):
        speech = advice.after_hours
    ctx.state.safety = kind
    return Reply(speech=speech, reprompt=advice.reprompt, end_session=advice.ends_session,
                 card_title=advice.title, card_text=speech)  # fmt: skip


class SafetyHandler:
    """First in line: danger heard anywhere in the turn gets the help for its kind, and
    nothing else, whatever was asked with it or whatever question was open."""

    def can_handle(self, ctx: Context) -> bool:
        return ctx.danger is not None

    async def handle(self, ctx: Context) -> Reply:
        assert ctx.danger is not None
        ctx.state.interrupt(ctx.danger.kind)
        return safety_reply(ctx, ctx.danger.kind)


class AfterSafetyHandler:
    """The turn after a safety reply: "say that again" repeats the help, "no" after a crisis
    reply keeps listening, and an all clear ("it was a false alarm") carries on where we
    were, asking again the question the danger interrupted."""

    def can_handle(self, ctx: Context) -> bool:
        kind = ctx.after_safety
        if kind is None:
            return False
        crisis_no = kind == "crisis" and ctx.intent in ("deny", "affirm")
        missed = ctx.intent == "repeat" or ctx.text in _MISSED_IT
        # "I'm okay, so where do batteries go": glad, and the question answered as itself
        cleared = ctx.all_clear and ctx.intent not in QUESTION_INTENTS
        return cleared or missed or crisis_no

    async def handle(self, ctx: Context) -> Reply:
        kind = ctx.after_safety
        assert kind is not None
        if (ctx.intent == "repeat" or ctx.text in _MISSED_IT) and not ctx.all_clear:
            return safety_reply(ctx, kind)
        if kind == "crisis":
            ctx.state.safety = kind
            reprompt = ctx.kb.content.safety.advice(kind).reprompt or WHAT_NEXT
            opener = "I'm glad to hear that." if ctx.all_clear else "Okay."
            return Reply(speech=f"{opener} {reprompt} {WHAT_NEXT}", reprompt=reprompt)
        return self._carry_on(ctx)

    @staticmethod
    def _carry_on(ctx: Context) -> Reply:
        state = ctx.state
        opener = GLAD if ctx.all_clear else "Okay."
        if state.resume_intent and state.resume_slot and state.resume_prompt:
            prompt = state.resume_prompt
            state.ask(state.resume_intent, state.resume_slot)
        else:
            prompt = WHAT_NEXT
        state.resume_intent = state.resume_slot = state.resume_prompt = None
        return Reply(speech=f"{opener} {prompt}", reprompt=prompt)


class StopHandler(IntentHandler):
    intents = ("stop",)

    async def handle(self, ctx: Context) -> Reply:
        return Reply(speech=_farewell(ctx) or "Okay.", end_session=True)


class GoodbyeHandler(IntentHandler):
    intents = ("goodbye",)

    async def handle(self, ctx: Context) -> Reply:
        return Reply(speech=_farewell(ctx) or "Goodbye, and take care.", end_session=True)


def _farewell(ctx: Context) -> str | None:
    """After a crisis, every way out of the conversation says where help is, never just "Okay"."""
    return ctx.kb.content.safety.advice("crisis").farewell if ctx.state.crisis else None


class HelpHandler(IntentHandler):
    intents = ("help",)

    async def handle(self, ctx: Context) -> Reply:
        ctx.state.clear_pending()
        return Reply(speech=HELP, reprompt="What would you like to know?")


class GreetHandler(IntentHandler):
    intents = ("greet",)

    async def handle(self, ctx: Context) -> Reply:
        return Reply(speech=f"Hi! {HELP}", reprompt="What would you like to know?")


class RepeatHandler(IntentHandler):
    intents = ("repeat",)

    async def handle(self, ctx: Context) -> Reply:
        if not ctx.state.last_speech:
            return Reply(speech=f"I haven't said anything yet. {HELP}", reprompt=HELP)
        return Reply(speech=ctx.state.last_speech, reprompt=ctx.state.last_reprompt)


class DenyHandler(IntentHandler):
    """A 'no' to our question drops it and offers the next step; a 'no' to "Anything
    else?" (no question open) ends the conversation warmly instead of asking again."""

    intents = ("deny",)

    async def handle(self, ctx: Context) -> Reply:
        last = ctx.state.last_speech or ""
        if (
            ctx.state.pending_intent is None
            and not last.endswith(ANYTHING_ELSE)
            and _MORE.search(ctx.text)
        ):  # "no wait, it's small": not a goodbye
            return Reply(speech=f"Okay. {WHAT_NEXT}", reprompt=WHAT_NEXT)
        if ctx.state.pending_intent is None:
            return Reply(speech=_farewell(ctx) or "Okay. Goodbye, and take care.", end_session=True)
        ctx.state.clear_pending()
        return Reply(speech=f"Okay. {ANYTHING_ELSE}", reprompt=ANYTHING_ELSE)


class AffirmHandler(IntentHandler):
    """A 'yes' with no question open (to "Anything else?"): invite the next question."""

    intents = ("affirm",)

    async def handle(self, ctx: Context) -> Reply:
        return Reply(speech=f"Sure. {WHAT_NEXT}", reprompt=WHAT_NEXT)


class ContactAgentHandler(IntentHandler):
    intents = ("contact_agent",)

    async def handle(self, ctx: Context) -> Reply:
        # "the police non-emergency number", "what's 211": the contact asked for, not ours
        article = ctx.kb.search_faq(ctx.text) if _NAMES_ANOTHER.search(ctx.text) else None
        if article is not None:
            return answer(article.answer)
        org = ctx.kb.organisation
        return answer(
            f"To talk to someone, call {org.phone_311}, or {org.phone_main} from outside the "
            f"Region. Staff answer {org.hours_311}."
        )


class FallbackHandler:
    """Anything not handled above: an article that surely answers it, or an honest 'I can't
    help with that' and what we can do."""

    def can_handle(self, ctx: Context) -> bool:
        return True

    async def handle(self, ctx: Context) -> Reply:
        pointer = local_service(ctx)
        if pointer is not None:
            return pointer
        # Only an article it surely asks: "my gas bill is too high" is not the water bill.
        article = ctx.kb.search_faq(ctx.text, threshold=SURE_FALLBACK)
        if article is not None and ctx.intent != "greet":
            return answer(article.answer)
        ctx.unanswered = "fallback"  # kept, scrubbed, for staff to see what is missing
        if ctx.state.last_speech and ctx.state.last_speech.startswith("Sorry, I can't help"):
            org = ctx.kb.organisation
            return answer(
                f"Sorry, I still can't help with that. For other questions, call {org.phone_311}."
            )
        return Reply(
            speech="Sorry, I can't help with that. I can tell you your garbage day, "
            "or where an item goes. What would you like?",
            reprompt="You can ask when your garbage day is, or where an item goes.",
        )
