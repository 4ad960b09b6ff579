"""Curbside collection and the waste guide: garbage day, where an item goes, reminders."""

from __future__ import annotations

from datetime import timedelta

from fulfillment.dialog import Context
from fulfillment.handlers.base import IntentHandler, answer, ask
from fulfillment.speech import capitalize, join, say_date
from fulfillment.types import Reply
from knowledge_base import Collection
from knowledge_base.lookups import street_key
from knowledge_base.model import CollectionZone

ADDRESS_QUESTION = "Sure. What's your street address? For example, 123 Simcoe Street North."
MAX_ADDRESS_TRIES = 2


class CollectionDayHandler(IntentHandler):
    intents = ("collection_day",)

    async def handle(self, ctx: Context) -> Reply:
        address = ctx.slot("address")
        municipality = ctx.slot("municipality")
        if not address:
            return ask(ctx, "collection_day", "address", ADDRESS_QUESTION,
                       "What's your street address?")  # fmt: skip
        zones = ctx.kb.find_zones(address, municipality)
        if not zones:
            return self._unknown_street(ctx, address)
        places = sorted({z.municipality for z in zones})
        if len(places) > 1:
            ctx.remember("address", address)
            names = join([ctx.kb.municipality_name(m) for m in places], "or")
            return ask(ctx, "collection_day", "municipality", f"Is that in {names}?")
        ctx.remember("address", address)
        ctx.state.slots.pop("address_tries", None)
        collection = ctx.kb.next_collection(zones[0], ctx.today)
        stream = ctx.entity("waste_stream")
        if stream is not None:
            return answer(self._stream_answer(ctx, zones[0], collection, stream.value))
        return answer(self._summary(ctx, collection))

    def _unknown_street(self, ctx: Context, address: str) -> Reply:
        tries = int(ctx.state.slots.get("address_tries", "0")) + 1
        ctx.state.slots.pop("address", None)
        if tries >= MAX_ADDRESS_TRIES:
            ctx.state.slots.pop("address_tries", None)
            ctx.state.clear_pending()
            org = ctx.kb.organisation
            return answer(
                f"Sorry, I still can't find that street in the collection schedule. "
                f"You can call {org.phone_311} to check your collection day."
            )
        ctx.state.slots["address_tries"] = str(tries)
        return ask(
            ctx, "collection_day", "address",
            f"Sorry, I couldn't find {street_key(address) or 'that street'} in the collection "
            "schedule. What street do you live on?",
        )  # fmt: skip

    def _summary(self, ctx: Context, collection: Collection) -> str:
        streams = join([s.name for s in collection.streams])
        text = f"Your next collection is {say_date(collection.day, ctx.today)}: {streams}."
        if collection.holiday is not None:
            text += f" That's a day later than usual because of {collection.holiday.name}."
        return text

    def _stream_answer(
        self, ctx: Context, zone: CollectionZone, first: Collection, stream_id: str
    ) -> str:
        stream = next((s for s in ctx.kb.content.waste_streams if s.id == stream_id), None)
        if stream is None:
            return self._summary(ctx, first)
        if stream.frequency == "on_request":
            return stream.note or f"{capitalize(stream.name)} are picked up by appointment."
        collection = first
        for _ in range(8):  # look ahead up to eight collections for that stream
            if stream in collection.streams:
                when = say_date(collection.day, ctx.today)
                text = f"Your next {stream.name} collection is {when}."
                if collection.holiday is not None:
                    text += f" That's a day later than usual because of {collection.holiday.name}."
                return ("Yes. " if collection is first else "") + text
            collection = ctx.kb.next_collection(zone, collection.day + timedelta(days=1))
        return f"{capitalize(stream.name)} isn't collected in the next few weeks."


class WasteSortingHandler(IntentHandler):
    intents = ("waste_sorting",)

    async def handle(self, ctx: Context) -> Reply:
        # This turn's item, or the answer to our question: never remembered. An engine
        # may tag a poor span ("a" for "a pizza box"), so the whole sentence is the
        # second place to look before we tell the resident the guide lacks it.
        phrase = ctx.slot("waste_item")
        item = ctx.kb.find_waste_item(phrase) if phrase else None
        if item is None:
            item = ctx.kb.find_waste_item(ctx.text)
        if item is None and not phrase:
            return ask(
                ctx, "waste_sorting", "waste_item", "Sure. What item do you want to get rid of?"
            )
        if item is None:
            org = ctx.kb.organisation
            return answer(
                f"Sorry, I don't have {phrase} in the waste guide. Try another name for it, "
                f"or call {org.phone_311}."
            )
        return answer(ctx.kb.disposal_sentence(item))


class SetReminderHandler(IntentHandler):
    """Reminders need the platform's reminders permission; until then we say so honestly."""

    intents = ("set_reminder",)

    async def handle(self, ctx: Context) -> Reply:
        return ask(
            ctx, "collection_day", "confirm",
            "I can't set reminders yet, but I can tell you your next collection day. "
            "Would you like that?",
        )  # fmt: skip
