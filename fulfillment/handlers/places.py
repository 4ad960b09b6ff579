"""Facilities, service alerts and FAQ articles: answers read from published content."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fulfillment.dates import resolve_date
from fulfillment.dialog import Context
from fulfillment.handlers.base import IntentHandler, answer, ask
from fulfillment.speech import join, say_date, say_time
from fulfillment.types import Reply
from knowledge_base.model import Facility

_ASKS_FEES = re.compile(r"\b(fee|fees|cost|costs|price|prices|charge|charges|pay|much)\b")
_ASKS_NOW = re.compile(r"\b(now|right now|currently|still open|open yet)\b")
MAX_ALERTS_READ = 2


class FacilityInfoHandler(IntentHandler):
    intents = ("facility_info",)

    async def handle(self, ctx: Context) -> Reply:
        phrase = ctx.slot(
            "facility"
        )  # this turn's, or the answer to our question: never remembered
        facility = ctx.kb.find_facility(phrase or ctx.text)
        if facility is None:
            examples = join([f.name for f in ctx.kb.content.facilities[:2]], "or")
            return ask(ctx, "facility_info", "facility", f"Which place? For example, {examples}.")
        day_phrase = ctx.slot("date") if ctx.entity("date") else None
        day = resolve_date(day_phrase, ctx.today, ctx.kb) or ctx.today
        text = self._hours(ctx, facility, day)
        if _ASKS_FEES.search(ctx.text) and facility.fees:
            text = f"{text} {facility.fees}"
        return answer(text)

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
    have this week tonight""".split()
)


class ServiceAlertsHandler(IntentHandler):
    intents = ("service_alerts",)

    async def handle(self, ctx: Context) -> Reply:
        municipality = ctx.slot("municipality")
        alerts = ctx.kb.active_alerts(ctx.today, municipality)
        place = f" for {ctx.kb.municipality_name(municipality)}" if municipality else ""
        topic = _topic(ctx)
        if topic:  # "is there a fire ban": answer that, never an unrelated alert
            alerts = [a for a in alerts if _mentions(a.title + " " + a.message, topic)]
            if not alerts:
                return answer(f"There's no {' '.join(topic)} alert{place} right now.")
        if not alerts:
            return answer(f"There are no service alerts{place} right now.")
        if len(alerts) == 1:
            return answer(f"There's one alert{place}: {alerts[0].title}. {alerts[0].message}")
        titles = join([a.title for a in alerts[:MAX_ALERTS_READ]])
        more = len(alerts) - MAX_ALERTS_READ
        extra = f", and {more} more at {ctx.kb.organisation.website}" if more > 0 else ""
        return answer(f"There are {len(alerts)} alerts{place}: {titles}{extra}.")


class FaqHandler(IntentHandler):
    intents = ("faq",)

    async def handle(self, ctx: Context) -> Reply:
        article = ctx.kb.search_faq(ctx.text)
        if article is None:
            org = ctx.kb.organisation
            return answer(
                f"Sorry, I don't have an answer for that. Staff at {org.phone_311} can help, "
                f"{org.hours_311}."
            )
        return answer(article.answer)


def _topic(ctx: Context) -> list[str]:
    places = {m.id for m in ctx.kb.content.municipalities}
    return [w for w in ctx.text.split() if w not in _ALERT_WORDS and w not in places]


def _mentions(text: str, topic: list[str]) -> bool:
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    return all(w in words or w.rstrip("s") in words for w in topic)
