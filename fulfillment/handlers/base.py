"""What every handler shares: matching on the intent, answering, asking."""

from __future__ import annotations

from fulfillment.dialog import Context
from fulfillment.types import Reply

ANYTHING_ELSE = "Anything else?"


def answer(text: str, next_step: str = ANYTHING_ELSE) -> Reply:
    """A spoken answer that keeps the session open with a short next step."""
    return Reply(speech=f"{text} {next_step}", reprompt=next_step)


def ask(ctx: Context, intent: str, slot: str, question: str, reprompt: str | None = None) -> Reply:
    """Ask for one missing piece; the dialog manager routes the answer back to `intent`."""
    ctx.state.ask(intent, slot)
    return Reply(speech=question, reprompt=reprompt or question)


class IntentHandler:
    """Handles the turns whose (effective) intent is one of `intents`."""

    intents: tuple[str, ...] = ()

    def can_handle(self, ctx: Context) -> bool:
        return ctx.intent in self.intents
