"""What every handler shares: matching on the intent, answering, asking."""

from __future__ import annotations

from fulfillment.dialog import ANYTHING_ELSE, Context
from fulfillment.types import Reply


def answer(text: str, next_step: str = ANYTHING_ELSE) -> Reply:
    """A spoken answer that keeps the session open with a short next step."""
    return Reply(speech=f"{text} {next_step}", reprompt=next_step)


def ask(
    ctx: Context,
    intent: str,
    slot: str,
    question: str,
    reprompt: str | None = None,
    *,
    again: str | None = None,
) -> Reply:
    """Ask for one missing piece; the dialog manager routes the answer back to `intent`.

    Never the same words twice in a row: the second time says `again` (the choices, or
    what works), and the third time gives the way out instead of asking.
    """
    times = ctx.state.ask(intent, slot)
    if times == 2:
        question = again or f"Sorry, I didn't get that. {question}"
        return Reply(speech=question, reprompt=question)
    if times >= 3:
        ctx.state.clear_pending()
        ctx.state.asked, ctx.state.asked_times = None, 0
        org = ctx.kb.organisation
        return answer(
            f"Sorry, I'm not able to get that. You can call {org.phone_311}, "
            f"{org.hours_311}, and staff will help."
        )
    return Reply(speech=question, reprompt=reprompt or question)


class IntentHandler:
    """Handles the turns whose (effective) intent is one of `intents`."""

    intents: tuple[str, ...] = ()

    def can_handle(self, ctx: Context) -> bool:
        return ctx.intent in self.intents


def local_service(ctx: Context) -> Reply | None:
    """A service only the towns run (parking tickets, dog licences, libraries): who runs it
    in the resident's town and how to reach them, never an "I can't help"."""
    desk = ctx.kb.responsibilities
    remembered = ctx.state.slots.get("local_service") if ctx.answer_slot == "municipality" else None
    duty = desk.local_service_in(ctx.text) or (
        desk.responsibility(remembered) if remembered else None
    )
    if duty is None:
        return None
    town = ctx.slot("municipality")
    if town is None or town not in {m.id for m in ctx.kb.content.municipalities}:
        ctx.remember("local_service", duty.id)
        return ask(ctx, "faq", "municipality",
                   f"Your town handles {duty.name}, not the Region. Which town do you live in?",
                   "Which town do you live in?")  # fmt: skip
    ctx.state.slots.pop("local_service", None)
    agency = desk.handler(duty.id, town).agency
    return answer(f"For {duty.name} in {ctx.kb.municipality_name(town)}, contact {agency.name} "
                  f"at {agency.phone}, or go to {agency.website}.")  # fmt: skip
