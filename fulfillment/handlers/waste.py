"""Curbside collection and the waste guide: garbage day, where an item goes, reminders."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fulfillment.dialog import Context
from fulfillment.handlers.base import IntentHandler, answer, ask
from fulfillment.speech import capitalize, join, ordinal, say_date, street_title
from fulfillment.types import Reply
from knowledge_base import Collection
from knowledge_base.lookups import street_key
from knowledge_base.model import CollectionZone, WasteStream

# "Garbage day" is what people call collection day: it asks about every stream.
_ANY_COLLECTION = re.compile(r"\bgarbage (?:day|night|pickup day|collection day)\b")
# Asking which day, as opposed to asking about collection ("how many bags can i put out").
_ASKS_DAY = re.compile(
    r"\b(?:when|what day|which day|is it|this week|next week|day|today|tomorrow)\b"
)
# "Is it green bin week?" is answered "Yes. ..."; "what about the green bin" is not.
_YES_NO = re.compile(r"^(?:is|are|does|do|will|was|it is|its)\b")
_NUMBER_ONLY = re.compile(r"\d+[a-z]?")
ADDRESS_QUESTION = "Sure. What's your street address? For example, 123 Simcoe Street North."
MAX_ADDRESS_TRIES = 2


class CollectionDayHandler(IntentHandler):
    intents = ("collection_day",)

    async def handle(self, ctx: Context) -> Reply:
        stream = ctx.slot("waste_stream")
        if stream == "garbage" and _ANY_COLLECTION.search(ctx.text):  # "my garbage day"
            ctx.unused.add("waste_stream")
            stream = None
        address = ctx.slot("address")
        municipality = ctx.slot("municipality")
        if not address:
            article = ctx.kb.names_faq(ctx.text) if not _ASKS_DAY.search(ctx.text) else None
            if article is not None:  # "how many bags of garbage can i put out"
                return answer(article.answer)
            season = self._season(ctx, stream)
            question = f"{season} For your exact day, what's your street address?" if season \
                else ADDRESS_QUESTION  # fmt: skip
            return ask(ctx, "collection_day", "address", question, "What's your street address?")
        known = ctx.state.slots.get("address")
        if ctx.answer_slot == "address" and known and _NUMBER_ONLY.fullmatch(address.strip()):
            address = f"{address.strip()} {known}"  # the house number we asked for
        match = ctx.kb.street_index.match(address, municipality)
        zones = list(match.zones)
        if not zones and match.unknown_number and match.street:
            org, street = ctx.kb.organisation, street_title(match.street)
            return answer(f"I don't have number {match.number} on {street} in the collection "
                          f"schedule. You can call {org.phone_311} to check your day.")  # fmt: skip
        if not zones:
            return self._unknown_street(ctx, address)
        places = sorted({z.municipality for z in zones})
        if len(places) > 1:
            ctx.remember("address", address)
            names = join([ctx.kb.municipality_name(m) for m in places], "or")
            return ask(ctx, "collection_day", "municipality", f"Is that in {names}?")
        if match.needs_number and len(zones) > 1 and match.street:
            ctx.remember("address", match.street)  # collection days change along the street
            return ask(ctx, "collection_day", "address",
                       f"Collection days change along {street_title(match.street)}. "
                       "What's the house number?", "What's the house number?")  # fmt: skip
        ctx.remember("address", address)
        ctx.state.slots.pop("address_tries", None)
        collection = ctx.kb.next_collection(zones[0], ctx.today)
        if stream is not None:
            text = self._stream_answer(ctx, zones[0], collection, stream)
            named = [s for s in ctx.kb.content.waste_streams if s.id == stream]
        else:
            text, named = self._summary(ctx, collection), list(collection.streams)
        return answer(text + _who_collects(ctx, zones[0], named))

    @staticmethod
    def _season(ctx: Context, stream_id: str | None) -> str | None:
        """For a seasonal stream, when its season runs: an answer before any address."""
        stream = next((s for s in ctx.kb.content.waste_streams if s.id == stream_id), None)
        if stream is None or stream.season is None:
            return None
        (month, day), (end_month, end_day) = stream.season
        start, end = date(ctx.today.year, month, day), date(ctx.today.year, end_month, end_day)
        return (
            f"{capitalize(stream.name)} is collected every week from {start:%B} "
            f"{ordinal(start.day)} to {end:%B} {ordinal(end.day)}, on your collection day."
        )

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
        town = ctx.slot("municipality")
        where = f" in {ctx.kb.municipality_name(town)}" if town else ""
        street = street_key(address) or "that street"
        question = (f"Sorry, I couldn't find {street}{where} in the collection schedule. "
                    "What street do you live on?")  # fmt: skip
        return ask(ctx, "collection_day", "address", question, again=question)

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
                yes = collection is first and _YES_NO.search(ctx.text) is not None
                return ("Yes. " if yes else "") + text
            collection = ctx.kb.next_collection(zone, collection.day + timedelta(days=1))
        if stream.season is not None:  # out of season: say when it starts again
            (month, day), (end_month, end_day) = stream.season
            start = date(ctx.today.year, month, day)
            start = start if start > ctx.today else date(ctx.today.year + 1, month, day)
            end = date(start.year, end_month, end_day)
            return (f"{capitalize(stream.name)} is collected from {start:%B} {ordinal(start.day)} "
                    f"to {end:%B} {ordinal(end.day)}. The next season starts "
                    f"{say_date(start, ctx.today)}.")  # fmt: skip
        return f"{capitalize(stream.name)} isn't collected in the next few weeks."


class WasteSortingHandler(IntentHandler):
    intents = ("waste_sorting",)

    async def handle(self, ctx: Context) -> Reply:
        # This turn's item, or the answer to our question: never remembered. An engine
        # may tag a poor span ("a" for "a pizza box"), so the whole sentence is the
        # second place to look before we tell the resident the guide lacks it.
        said = [e.value for e in ctx.parse.entities if e.entity == "waste_item"]
        # "…burnt toast set off the smoke alarm, where do i put the toaster": the item
        # asked about comes last.
        phrase = said[-1] if len(said) > 1 else ctx.slot("waste_item")
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


def _who_collects(ctx: Context, zone: CollectionZone, streams: list[WasteStream]) -> str:
    """Where the town, not the Region, collects a stream (Oshawa and Whitby garbage and
    green bins): who, and how to reach them, from the who-handles-what table."""
    local = [
        s for s in streams
        if s.responsibility and ctx.kb.responsibilities.handler(
            s.responsibility, zone.municipality).agency.id == zone.municipality
    ]  # fmt: skip
    if not local:
        return ""
    agency = ctx.kb.responsibilities.agency(zone.municipality)
    names = join([s.name for s in local])
    return (f" {capitalize(agency.name)} runs {names} collection there: call {agency.phone} or "
            f"check {agency.website} for changes.")  # fmt: skip
