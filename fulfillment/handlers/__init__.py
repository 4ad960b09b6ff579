"""The handlers, in the order the dialog manager tries them: that order is the policy."""

from __future__ import annotations

from fulfillment.dialog import Handler
from fulfillment.handlers.conversation import (
    AffirmHandler,
    AfterSafetyHandler,
    ContactAgentHandler,
    DenyHandler,
    FallbackHandler,
    GoodbyeHandler,
    GreetHandler,
    HelpHandler,
    RepeatHandler,
    SafetyHandler,
    StopHandler,
)
from fulfillment.handlers.places import FacilityInfoHandler, FaqHandler, ServiceAlertsHandler
from fulfillment.handlers.requests import ReportProblemHandler, RequestStatusHandler
from fulfillment.handlers.waste import (
    CollectionDayHandler,
    SetReminderHandler,
    WasteSortingHandler,
)


def default_handlers() -> list[Handler]:
    return [
        SafetyHandler(),
        AfterSafetyHandler(),
        StopHandler(),
        HelpHandler(),
        RepeatHandler(),
        DenyHandler(),
        AffirmHandler(),
        CollectionDayHandler(),
        WasteSortingHandler(),
        FacilityInfoHandler(),
        ServiceAlertsHandler(),
        FaqHandler(),
        ReportProblemHandler(),
        RequestStatusHandler(),
        SetReminderHandler(),
        ContactAgentHandler(),
        GreetHandler(),
        GoodbyeHandler(),
        FallbackHandler(),
    ]
