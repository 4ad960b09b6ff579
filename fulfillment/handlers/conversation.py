"""Safety and the conversation controls: emergency, stop, help, repeat, greetings, fallback."""

from __future__ import annotations

from fulfillment.dialog import Context
from fulfillment.handlers.base import ANYTHING_ELSE, IntentHandler, answer
from fulfillment.types import Reply
from nlu.safety import danger_kind

EMERGENCY_ADVICE = {
    "gas": "If you smell gas, leave the building now, then call 9-1-1 from outside.",
    "power_line": "Stay at least 10 metres away from the wire, and call 9-1-1 now.",
}
EMERGENCY_DEFAULT = "This sounds like an emergency. Please call 9-1-1 now."
CANNOT_CALL = "I can't call for help myself."

HELP = (
    "You can ask me when your garbage day is, where an item goes, depot hours, "
    "service alerts, or how to reach 311. What would you like to know?"
)


class EmergencyHandler(IntentHandler):
    """First in line, and never a question: tell the resident to call 9-1-1 now."""

    intents = ("emergency",)

    async def handle(self, ctx: Context) -> Reply:
        ctx.state.clear_pending()
        advice = EMERGENCY_ADVICE.get(danger_kind(ctx.text) or "", EMERGENCY_DEFAULT)
        speech = f"{advice} {CANNOT_CALL}"
        return Reply(speech=speech, end_session=True, card_title="Call 9-1-1", card_text=speech)


class StopHandler(IntentHandler):
    intents = ("stop",)

    async def handle(self, ctx: Context) -> Reply:
        return Reply(speech="Okay.", end_session=True)


class GoodbyeHandler(IntentHandler):
    intents = ("goodbye",)

    async def handle(self, ctx: Context) -> Reply:
        return Reply(speech="Goodbye, and take care.", end_session=True)


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
    """A 'no' to our question: drop it and offer the next step."""

    intents = ("deny",)

    async def handle(self, ctx: Context) -> Reply:
        ctx.state.clear_pending()
        return Reply(speech=f"Okay. {ANYTHING_ELSE}", reprompt=ANYTHING_ELSE)


class ContactAgentHandler(IntentHandler):
    intents = ("contact_agent",)

    async def handle(self, ctx: Context) -> Reply:
        org = ctx.kb.organisation
        return answer(
            f"To talk to someone, call {org.phone_311}, or {org.phone_main} from outside the "
            f"Region. Staff answer {org.hours_311}."
        )


class FallbackHandler:
    """Anything not handled above: an honest 'I can't help with that' and what we can do."""

    def can_handle(self, ctx: Context) -> bool:
        return True

    async def handle(self, ctx: Context) -> Reply:
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
