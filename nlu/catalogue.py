"""The intent and entity names of ../shared/spec/intents.md, exactly.

They are the contract between training data, parse results, platform models and
fulfillment, so they live in one place and everything else refers to these.
"""

from collections.abc import Iterable
from typing import Final

from nlu.types import Entity

RESIDENT_INTENTS: Final = (
    "collection_day",
    "waste_sorting",
    "facility_info",
    "report_problem",
    "request_status",
    "service_alerts",
    "faq",
    "set_reminder",
    "contact_agent",
    "emergency",
    "out_of_scope",
)
CONVERSATION_INTENTS: Final = (
    "inform",
    "affirm",
    "deny",
    "greet",
    "goodbye",
    "help",
    "stop",
    "repeat",
)
INTENTS: Final = RESIDENT_INTENTS + CONVERSATION_INTENTS

CLOSED_SETS: Final[dict[str, tuple[str, ...]]] = {
    "municipality": (
        "ajax",
        "brock",
        "clarington",
        "oshawa",
        "pickering",
        "scugog",
        "uxbridge",
        "whitby",
    ),
    "waste_stream": ("garbage", "blue_box", "green_bin", "yard_waste", "bulky_items"),
    "issue_type": (
        "pothole",
        "missed_collection",
        "damaged_bin",
        "streetlight_out",
        "traffic_signal_problem",
        "illegal_dumping",
        "graffiti",
        "water_leak",
        "sewer_backup",
        "fallen_tree",
        "sidewalk_damage",
        "snow_clearing",
    ),
}
SPAN_ENTITIES: Final = ("address", "waste_item", "facility", "request_number", "date")
ENTITIES: Final = tuple(CLOSED_SETS) + SPAN_ENTITIES

FALLBACK_INTENT: Final = "out_of_scope"
EMERGENCY_INTENT: Final = "emergency"

# Waste items and facilities come from knowledge-base gazetteers, and many are everyday
# nouns ("stove", "eggs", "table"); day words ("today", "tonight") are in every kind of
# question. The catalogue lets only these intents carry them, so elsewhere such a span is
# noise to whoever reads the parse and is left out. The classifier still sees them.
ENTITY_CARRIERS: Final[dict[str, frozenset[str]]] = {
    "waste_item": frozenset({"waste_sorting", "inform"}),
    "facility": frozenset({"facility_info", "inform"}),
    "date": frozenset({"collection_day", "facility_info", "inform"}),
}


def carries(intent: str, entity: str) -> bool:
    """Whether the catalogue lets `intent` carry `entity` (only some are restricted)."""
    carriers = ENTITY_CARRIERS.get(entity)
    return carriers is None or intent in carriers


def split_carried(
    intent: str, entities: Iterable[Entity]
) -> tuple[tuple[Entity, ...], tuple[Entity, ...]]:
    """The entities `intent` carries, and the rest set aside: the same for every engine."""
    carried: list[Entity] = []
    aside: list[Entity] = []
    for entity in entities:
        (carried if carries(intent, entity.entity) else aside).append(entity)
    return tuple(carried), tuple(aside)
