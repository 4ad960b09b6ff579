"""Service requests: reporting a problem and checking on one.

A report is filed only after the resident hears it read back and says yes, only
with the body that handles it (the knowledge base's responsibility table), and
never without first being saved in the durable outbox.
"""

from __future__ import annotations

import re
from dataclasses import replace

from fulfillment.dialog import Context
from fulfillment.handlers.base import IntentHandler, answer, ask
from fulfillment.report import (
    Place,
    ReportForm,
    description,
    handler_for,
    next_attribute,
    phone_in,
    place_from,
    read_back,
    service_in,
    value_in,
)
from fulfillment.requests_desk import Status, owner_of
from fulfillment.speech import capitalize, join, say_date, say_digits
from fulfillment.types import Reply
from knowledge_base.responsibility import Handler
from knowledge_base.services_model import ServiceType
from open311.types import NewRequest

REPORT = "report_problem"
CONFIRM = "confirm_report"
# "No, it's king street west", "actually it's a streetlight": the turn changes an answer.
_CHANGE = re.compile(r"^(?:no|nope|sorry|actually|oops|wait|not)\b|\bi meant\b|\bchange\b")
_NO_PHONE = re.compile(r"\b(?:no|rather not|don't|dont|won't|wont|not give|skip)\b")
_SAY_REFERENCE = re.compile(
    r"\b(?:reference|confirmation|tracking)\b|\bwhat was (?:my|the) number\b"
)
_LATEST = re.compile(r"\b(?:last|latest|recent|my (?:report|request)|i (?:reported|filed))\b")
ISSUE_QUESTION = (
    "What would you like to report? For example, a pothole, a missed collection, "
    "or a streetlight that's out."
)
PLACE_QUESTION = "Where is it? Tell me the street, with a house number or cross street if you can."


class ReportProblemHandler(IntentHandler):
    intents = (REPORT,)

    async def handle(self, ctx: Context) -> Reply:
        if ctx.desk is None:
            org = ctx.kb.organisation
            return answer(
                "I can't file reports here, so nothing has been sent. To report a problem, "
                f"call {org.phone_311} or go to {org.website}."
            )
        form = _load(ctx)
        if form.routed_away:
            form = replace(form, routed_away=False) if ctx.follow_up else ReportForm()
        kind = ctx.kb.responsibilities.service(form.service) if form.service else None
        if form.confirming and ctx.answer_slot == CONFIRM:
            form.confirming = False
            if ctx.parse.intent.name == "affirm" and not _CHANGE.search(ctx.text) and kind:
                return await self._file(ctx, form, kind)
            if not _absorb(ctx, form, correcting=True):
                _save(ctx, form)
                return ask(ctx, REPORT, "change", "Okay. What should I change, the problem or "
                           "the place? Or say cancel.")  # fmt: skip
            ctx.state.asked, ctx.state.asked_times = None, 0  # a new read-back, not a repeat
        else:
            _absorb(ctx, form, correcting=ctx.answer_slot == "change" or bool(
                _CHANGE.search(ctx.text)))  # fmt: skip
        return self._next(ctx, form)

    def _next(self, ctx: Context, form: ReportForm) -> Reply:
        """Ask for the next missing piece, route it, or read it back."""
        _save(ctx, form)
        kind = ctx.kb.responsibilities.service(form.service) if form.service else None
        if kind is None:
            again = "Tell me the problem in a few words, like pothole or graffiti."
            return ask(ctx, REPORT, "issue_type", ISSUE_QUESTION, again=again)
        place = form.place
        if place is None:
            again = "What street is it on, and in which town?"
            return ask(ctx, REPORT, "address", f"Okay, {kind.spoken}. {PLACE_QUESTION}",
                       "What street is it on?", again=again)  # fmt: skip
        if place.municipality is None:
            towns = [ctx.kb.municipality_name(t) for t in place.towns]
            question = f"Is that in {join(towns, 'or')}?" if len(towns) > 1 \
                else "Which town is that in?"  # fmt: skip
            return ask(ctx, REPORT, "municipality", question)
        missing = next_attribute(kind, form)
        handler = handler_for(ctx.kb, kind, form)
        if handler is not None and not handler.ours:
            _save(ctx, replace(form, routed_away=True))
            return answer(_not_ours(ctx, kind, form, handler))
        if missing is not None:
            heard = "" if (ctx.answer_slot or "").startswith("attr:") else \
                f"Okay, {kind.spoken} {place.spoken(ctx.kb)}. "  # fmt: skip
            return ask(ctx, REPORT, f"attr:{missing.code}", heard + missing.question,
                       missing.question)  # fmt: skip
        if kind.contact == "phone" and form.phone is None:
            if ctx.answer_slot == "phone" and _NO_PHONE.search(ctx.text):
                ctx.state.report = None  # their choice: nothing is filed, nothing kept
                org = ctx.kb.organisation
                return answer("Okay, I haven't filed anything. The crew needs a number to "
                              f"arrange it, so please call {org.phone_311} when you're "
                              "ready.")  # fmt: skip
            reason = kind.contact_reason or ""
            return ask(ctx, REPORT, "phone", f"{reason} What number can they reach you at?",
                       "What phone number can they reach you at?")  # fmt: skip
        form.confirming = True
        _save(ctx, form)
        road = ""
        if handler is not None and handler.regional_road is not None:
            road = (f"{capitalize(handler.regional_road.name.title())} is Regional Road "
                    f"{handler.regional_road.number}, so this goes to the Region. ")  # fmt: skip
        return ask(ctx, REPORT, CONFIRM,
                   f"{road}I'll report {read_back(ctx.kb, kind, form)}. Shall I file it?",
                   "Shall I file it? Say yes, or tell me what to change.")  # fmt: skip

    async def _file(self, ctx: Context, form: ReportForm, kind: ServiceType) -> Reply:
        assert ctx.desk is not None and form.place is not None
        handler = handler_for(ctx.kb, kind, form)
        target = handler.agency.id if handler else ctx.kb.content.who_handles.files_for
        request = NewRequest(
            service_code=kind.code,
            address_string=form.place.address_string(ctx.kb),
            description=description(ctx.kb, kind, form),
            attributes={code: (value,) for code, value in form.attributes.items()},
            phone=form.phone,
        )
        owner = owner_of(ctx.turn.platform, ctx.turn.user_id)
        filing = await ctx.desk.file(request, key=form.key, target=target, owner=owner)
        ctx.state.report = None
        ctx.state.last_reference = filing.reference
        who = handler.agency.name if handler else "the Region"
        said = say_digits(filing.reference)
        if filing.delivered:
            text = f"Done. It's filed with {who}. Your reference number is {said}."
        else:
            text = (f"I've saved your report, and it will be sent to {who} automatically in "
                    f"the next few minutes. Your reference number is {said}.")  # fmt: skip
        return answer(text, "You can ask me for its status any time. Anything else?")


class RequestStatusHandler(IntentHandler):
    intents = ("request_status",)

    async def handle(self, ctx: Context) -> Reply:
        state, desk = ctx.state, ctx.desk
        number = ctx.slot("request_number")
        if not number and state.last_reference and _SAY_REFERENCE.search(ctx.text):
            return answer(f"Your reference number is {say_digits(state.last_reference)}.")
        if desk is None:
            org = ctx.kb.organisation
            return answer(f"I can't look up reports here. Call {org.phone_311} and staff can "
                          "tell you where it stands.")  # fmt: skip
        target = ctx.kb.content.who_handles.files_for
        if number:
            number = re.sub(r"\D", "", number)
            return answer(_say_status(ctx, await desk.status(number, target=target)))
        owner = owner_of(ctx.turn.platform, ctx.turn.user_id)
        if _LATEST.search(ctx.text) or state.last_reference:
            status = await desk.latest(owner) if owner else None
            if status is None and state.last_reference:
                status = await desk.status(state.last_reference, target=target)
            if status is not None:
                return answer(_say_status(ctx, status))
        return ask(ctx, "request_status", "request_number", "What's the reference number?",
                   again="Please say the reference number one digit at a time.")  # fmt: skip


def _load(ctx: Context) -> ReportForm:
    if ctx.state.report is not None:
        try:
            return ReportForm.from_dict(ctx.state.report)
        except (TypeError, KeyError):
            pass  # a form saved by an older version: start again
    return ReportForm()


def _save(ctx: Context, form: ReportForm) -> None:
    ctx.state.report = form.to_dict()


def _absorb(ctx: Context, form: ReportForm, *, correcting: bool) -> bool:
    """Take what this turn says into the form; whether anything changed."""
    changed = False
    kb, slot = ctx.kb, ctx.answer_slot
    issue = ctx.entity("issue_type")
    if issue is not None or slot in ("issue_type", "change") or correcting or form.service is None:
        kind = service_in(kb, issue.value if issue else None, ctx.text)
        if kind is not None and kind.code != form.service:
            form.service, form.attributes, changed = kind.code, {}, True
    place = _place_said(ctx, form)
    if place is not None:
        form.place, changed = place, True
    town = ctx.entity("municipality")
    town_value = town.value if town else (ctx.answer if slot == "municipality" else None)
    towns = {m.id for m in kb.content.municipalities}
    if town_value and form.place is not None and town_value in towns:
        form.place.municipality, changed = town_value, True
    changed = _absorb_attributes(ctx, form, correcting=correcting) or changed
    if slot == "phone":
        form.phone = phone_in(ctx.text)
        changed = changed or form.phone is not None
    return changed


def _place_said(ctx: Context, form: ReportForm) -> Place | None:
    address, facility = ctx.entity("address"), ctx.entity("facility")
    said = address.value if address else facility.value if facility else None
    if said is None and ctx.answer_slot == "address" and ctx.answer:
        said = ctx.answer
    if said is None:
        return None
    town = ctx.entity("municipality")
    known = town.value if town else None
    old = form.place.municipality if form.place else None
    if known is None and old and ctx.kb.find_zones(said, old):  # the same town, another street
        known = old
    return place_from(ctx.kb, said, known)


def _absorb_attributes(ctx: Context, form: ReportForm, *, correcting: bool) -> bool:
    kind = ctx.kb.responsibilities.service(form.service) if form.service else None
    if kind is None:
        return False
    changed = False
    for attribute in kind.attributes:
        asked = ctx.answer_slot == f"attr:{attribute.code}"
        if attribute.code in form.attributes and not (asked or correcting):
            continue
        entity = ctx.entity(attribute.entity) if attribute.entity else None
        value = None
        if entity is not None and any(v.key == entity.value for v in attribute.values):
            value = entity.value
        elif attribute.datatype == "singlevaluelist" or asked:
            text = (ctx.answer or ctx.text) if asked else ctx.text
            value = value_in(attribute, text) if attribute.values or asked else None
        if value is not None and form.attributes.get(attribute.code) != value:
            form.attributes[attribute.code], changed = value, True
    return changed


def _not_ours(ctx: Context, kind: ServiceType, form: ReportForm, handler: Handler) -> str:
    """Who handles it instead, and how to reach them; nothing is filed."""
    agency, duty, place = handler.agency, handler.responsibility, form.place
    assert place is not None and place.municipality is not None
    where = place.spoken(ctx.kb) if duty.on_regional_roads else \
        f"in {ctx.kb.municipality_name(place.municipality)}"  # fmt: skip
    return (f"{capitalize(agency.name)} handles {duty.name} {where}, not the Region, so I "
            f"haven't filed anything. To report {kind.spoken}, call them at {agency.phone} or "
            f"go to {agency.website}.")  # fmt: skip


def _say_status(ctx: Context, status: Status) -> str:
    ref = say_digits(status.reference)
    who = "the Region"
    if status.state == "waiting":
        return (f"Report {ref} is saved, but it hasn't reached {who}'s system yet. It will be "
                "sent automatically, so there's nothing more you need to do.")  # fmt: skip
    if status.state == "refused":
        org = ctx.kb.organisation
        return (f"Report {ref} couldn't be filed because {who}'s system refused it. Please call "
                f"{org.phone_311} and staff will file it for you.")  # fmt: skip
    if status.state == "unreachable":
        return f"I can't reach {who}'s system to check report {ref} right now. Please try later."
    if status.state == "unknown" or status.request is None:
        return (f"I can't find a report with the number {ref}. Please check the number, or "
                f"call {ctx.kb.organisation.phone_311}.")  # fmt: skip
    found = status.request
    kind = ctx.kb.responsibilities.service(found.service_code)
    where = (found.address or "").split(",")[0].strip()
    where = f" {'at' if where[:1].isdigit() else 'on'} {where}" if where else ""
    what = f", {kind.spoken}{where}," if kind else ""
    text = f"Report {ref}{what} is {found.status}."
    if found.status_notes:
        words = found.status_notes.split()
        note = " ".join(words[:25]) + ("..." if len(words) > 25 else "")
        text += f" The latest note says: {note.rstrip('.')}."
    if found.status == "open" and found.expected_datetime is not None:
        text += (
            f" It's expected to be done by {say_date(found.expected_datetime.date(), ctx.today)}."
        )
    return text
