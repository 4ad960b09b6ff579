"""Service requests: reporting a problem and checking on one.

Filing through Open311 is not built yet, so these handlers say so plainly and
give the resident the way to do it now; they never pretend a request was filed.
"""

from __future__ import annotations

from fulfillment.dialog import Context
from fulfillment.handlers.base import IntentHandler, answer
from fulfillment.types import Reply

ISSUE_NAMES = {
    "pothole": "a pothole",
    "missed_collection": "a missed collection",
    "damaged_bin": "a damaged bin",
    "streetlight_out": "a streetlight that's out",
    "traffic_signal_problem": "a traffic signal problem",
    "illegal_dumping": "illegal dumping",
    "graffiti": "graffiti",
    "water_leak": "a water leak",
    "sewer_backup": "a sewer backup",
    "fallen_tree": "a fallen tree",
    "sidewalk_damage": "a damaged sidewalk",
    "snow_clearing": "a snow clearing problem",
}


class ReportProblemHandler(IntentHandler):
    intents = ("report_problem",)

    async def handle(self, ctx: Context) -> Reply:
        org = ctx.kb.organisation
        issue = ctx.slot("issue_type")
        what = ISSUE_NAMES.get(issue or "", "a problem")
        return answer(
            f"I can't file reports by voice yet, so nothing has been sent. To report {what}, "
            f"call {org.phone_311} or go to {org.website}."
        )


class RequestStatusHandler(IntentHandler):
    intents = ("request_status",)

    async def handle(self, ctx: Context) -> Reply:
        org = ctx.kb.organisation
        number = ctx.slot("request_number")
        which = f"request {number}" if number else "your request"
        return answer(
            f"I can't look up requests by voice yet. Call {org.phone_311} and staff can "
            f"tell you the status of {which}."
        )
