"""Facilities, service alerts and FAQ articles: answers read from published content."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fulfillment.dates import resolve_date
from fulfillment.dialog import Context
from fulfillment.handlers.base import IntentHandler, answer, ask, local_service
from fulfillment.speech import join, say_date, say_time
from fulfillment.types import Reply
from knowledge_base.model import Alert, Facility

_ASKS_FEES = re.compile(r"\b(fee|fees|cost|costs|price|prices|charge|charges|pay|much)\b")
_ASKS_PHONE = re.compile(r"\b(phone|number|call them|call|contact)\b")
_ASKS_HOURS = re.compile(r"\b(open|opens|close|closes|closed|hours|when)\b")
_ASKS_WHERE = re.compile(r"\b(where|address|location|located)\b")
_PLACE_NOISE = frozenset(
    {"where", "which", "there", "their", "hours", "close", "closed", "opens", "today",
     "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
     "about", "waste", "management", "facility", "depot", "street", "north", "south", "east",
     "west", "region", "durham"}
)  # fmt: skip
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}
_PHONE = re.compile(r"\b(?:1-)?\d{3}-\d{3}-\d{4}\b|\b\d{3}-\d{4}\b|\b[0-9]11\b")
_ASKS_NOW = re.compile(r"\b(now|right now|currently|still open|open yet)\b")
MAX_ALERTS_READ = 2


class FacilityInfoHandler(IntentHandler):
    intents = ("facility_info",)

    async def handle(self, ctx: Context) -> Reply:
        facility = self._facility(ctx)
        if facility is None:  # "the library hours": a place the town runs, not the Region
            return local_service(ctx) or self._which_place(ctx)
        ctx.remember("facility", facility.name)
        if _ASKS_PHONE.search(ctx.text):
            phone = facility.phone or ctx.kb.organisation.phone_main
            return answer(f"You can reach the {facility.name} at {phone}.")
        if _ASKS_WHERE.search(ctx.text) and not ctx.entity("date"):
            return answer(f"The {facility.name} is at {facility.address}.")
        day_phrase = ctx.slot("date") if ctx.entity("date") else None
        day = resolve_date(day_phrase, ctx.today, ctx.kb) or ctx.today
        if _ASKS_FEES.search(ctx.text) and facility.fees:
            if not (ctx.entity("date") or _ASKS_HOURS.search(ctx.text)):  # "how much is it"
                return answer(facility.fees)
            return answer(f"{self._hours(ctx, facility, day)} {facility.fees}")
        return answer(self._hours(ctx, facility, day))

    @staticmethod
    def _facility(ctx: Context) -> Facility | None:
        """This turn's place, the answer to our question, the whole sentence, then (for a
        follow-up) the topic's place, or its namesake in the town just named."""
        entity = ctx.entity("facility")
        said = entity.value if entity else ctx.answer if ctx.answer_slot == "facility" else None
        found = ctx.kb.find_facility(said or ctx.text)
        if found is not None and (said or not ctx.follow_up):
            return found
        earlier = ctx.kb.find_facility(ctx.remembered("facility") or "")
        town = ctx.entity("municipality")
        if earlier is not None and town is not None:
            same_kind = [f for f in ctx.kb.content.facilities
                         if f.kind == earlier.kind and f.municipality == town.value]  # fmt: skip
            return same_kind[0] if same_kind else None
        return earlier or found or _place_named(ctx)

    @staticmethod
    def _which_place(ctx: Context) -> Reply:
        names = [f.name for f in ctx.kb.content.facilities]
        question = f"Which place? For example, {join(names[:2], 'or')}."
        again = f"Sorry, which one? I know {join(names[:4], 'and')}."
        return ask(ctx, "facility_info", "facility", question, again=again)

    def _hours(self, ctx: Context, facility: Facility, day: date) -> str:
        hours = ctx.kb.facility_hours(facility, day)
        when = say_date(day, ctx.today)
        where = f"The {facility.name}, at {facility.address},"
        if hours is None:
            return f"{where} is closed {when}.{self._next_open(ctx, facility, day)}"
        opens, closes = hours
        if day == ctx.today and _ASKS_NOW.search(ctx.text):
            now = ctx.now.time()
            state = "open now" if opens <= now < closes else "closed right now"
            return f"{where} is {state}. Today's hours are {say_time(opens)} to {say_time(closes)}."
        return f"{where} is open {when} from {say_time(opens)} to {say_time(closes)}."

    def _next_open(self, ctx: Context, facility: Facility, day: date) -> str:
        for ahead in range(1, 8):
            later = day + timedelta(days=ahead)
            hours = ctx.kb.facility_hours(facility, later)
            if hours is not None:
                opens, closes = hours
                return (f" It's next open {say_date(later, ctx.today)}, "
                        f"{say_time(opens)} to {say_time(closes)}.")  # fmt: skip
        return ""


# Words of any alert question; what is left names the topic asked about ("fire ban").
_ALERT_WORDS = frozenset(
    """a an the any is are there there's theres in for of on at my our today now right currently
    active current service services alert alerts advisory advisories warning warnings notice
    notices disruption disruptions what whats what's about region durham please tell me do we
    have this week tonight other else ok okay all so then and also more no any""".split()
)


class ServiceAlertsHandler(IntentHandler):
    intents = ("service_alerts",)

    async def handle(self, ctx: Context) -> Reply:
        municipality = ctx.slot("municipality")
        alerts = ctx.kb.active_alerts(ctx.today, municipality)
        place = f" for {ctx.kb.municipality_name(municipality)}" if municipality else ""
        chosen = _chosen(ctx, ctx.kb.active_alerts(ctx.today))
        if chosen is not None:
            return answer(f"{chosen.title}. {chosen.message}")
        topic = _topic(ctx)
        if not topic and ctx.entity("municipality") and "other" not in ctx.text.split():
            topic = (ctx.remembered("alert_topic") or "").split()  # "what about in scugog"
        if topic:
            # "is there a fire ban": answer that, never an unrelated alert
            ctx.remember("alert_topic", " ".join(topic))
            alerts = [a for a in alerts if _mentions(a.title + " " + a.message, topic)]
            if not alerts:
                return answer(f"There's no {' '.join(topic)} alert{place} right now.")
        if not alerts:
            return answer(f"There are no service alerts{place} right now.")
        ctx.remember("alerts", ",".join(a.id for a in alerts[:MAX_ALERTS_READ]))
        if len(alerts) == 1:
            return answer(f"There's one alert{place}: {alerts[0].title}. {alerts[0].message}")
        titles = join([a.title for a in alerts[:MAX_ALERTS_READ]])
        more = len(alerts) - MAX_ALERTS_READ
        extra = f", and {more} more at {ctx.kb.organisation.website}" if more > 0 else ""
        return answer(f"There are {len(alerts)} alerts{place}: {titles}{extra}.")


class FaqHandler(IntentHandler):
    intents = ("faq",)

    async def handle(self, ctx: Context) -> Reply:
        pointer = local_service(ctx)
        if pointer is not None:
            return pointer
        earlier = ctx.remembered("faq")
        if earlier and _ASKS_PHONE.search(ctx.text):
            article = next((a for a in ctx.kb.content.faq if a.id == earlier), None)
            phones = _PHONE.findall(article.answer) if article else []
            if phones:
                return answer(f"The number is {join(phones, 'or')}.")
        query = f"{ctx.text} {_item_words(ctx)}".strip()
        article = ctx.kb.search_faq(query)
        if earlier and not ctx.kb.names_faq(ctx.text):  # "how do i apply": the same article
            article = next((a for a in ctx.kb.content.faq if a.id == earlier), article)
        if article is not None:
            ctx.remember("faq", article.id)
        if article is None:
            ctx.unanswered = "no_content"
            org = ctx.kb.organisation
            return answer(
                f"Sorry, I don't have an answer for that. Staff at {org.phone_311} can help, "
                f"{org.hours_311}."
            )
        return answer(article.answer)


def _chosen(ctx: Context, alerts: list[Alert]) -> Alert | None:
    """'Tell me more about the second one': that alert of the list we read last."""
    read = (ctx.remembered("alerts") or "").split(",")
    if not ctx.follow_up or not read[0]:
        return None
    by_id = {a.id: a for a in ctx.kb.content.alerts}
    listed = [by_id[i] for i in read if i in by_id]
    which = next((i for word, i in _ORDINALS.items() if word in ctx.text.split()), None)
    if which is not None:
        return listed[which] if -len(listed) <= which < len(listed) else None
    words = {w for w in ctx.text.split() if len(w) >= 4} - _ALERT_WORDS - {"more", "tell", "that"}
    titled = [a for a in listed if words & set(a.title.lower().split())]
    return titled[0] if len(titled) == 1 else None


def _topic(ctx: Context) -> list[str]:
    places = {m.id for m in ctx.kb.content.municipalities}
    return [w for w in ctx.text.split() if w not in _ALERT_WORDS and w not in places]


def _mentions(text: str, topic: list[str]) -> bool:
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    return all(w in words or w.rstrip("s") in words for w in topic)


def _place_named(ctx: Context) -> Facility | None:
    """ "Is the port perry one open", "the one in bowmanville": the place whose name, alias
    or address has a word of the question, preferring the places our last answer named."""
    words = {w for w in ctx.text.split() if len(w) >= 5} - _PLACE_NOISE
    last = (ctx.state.last_speech or "").lower()
    candidates = [
        f for f in ctx.kb.content.facilities
        if words & set(" ".join((f.name, f.address, *f.aliases)).lower().replace(",", "").split())
    ]  # fmt: skip
    in_last = [f for f in ctx.kb.content.facilities if f.name.lower() in last]
    named = [f for f in candidates if f in in_last]
    found = named or candidates or (in_last if len(in_last) == 1 else [])
    return found[0] if found else None


def _item_words(ctx: Context) -> str:
    """For a question after a waste answer ("how many can i put out"): the item and how it
    goes (bulky items, hazardous waste), which name the article meant."""
    item = ctx.kb.find_waste_item(ctx.remembered("waste_item") or "")
    return f"{item.name} {item.disposal.replace('_', ' ')}" if item else ""
