"""A street whose collection day changes along it: the house number decides, and is asked
for when it was not said."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fulfillment.dialog import DialogManager
from fulfillment.handlers import default_handlers
from fulfillment.sessions import InMemorySessionStore
from fulfillment.types import Turn
from knowledge_base import SAMPLE_CONTENT, Content, KnowledgeBase
from knowledge_base.store import load_document
from nlu.spacy_engine import SpacyEngine
from tests.conftest import MONDAY_MORNING


@pytest.fixture
def split_kb() -> KnowledgeBase:
    """Bond Street East in Oshawa: 1 to 99 in zone oshawa-b (Tuesday), 100 to 999 in
    oshawa-c (Wednesday)."""
    document: Any = copy.deepcopy(load_document(SAMPLE_CONTENT))
    zones = {z["id"]: z for z in document["collection_zones"]}
    zones["oshawa-b"]["streets"] = [
        s if s != "bond street east" else {"street": s, "from": 1, "to": 99}
        for s in zones["oshawa-b"]["streets"]
    ]
    zones["oshawa-c"]["streets"].append({"street": "bond street east", "from": 100, "to": 999})
    return KnowledgeBase(Content.from_dict(document))


async def talk(kb: KnowledgeBase, engine: SpacyEngine, *said: str) -> list[str]:
    dialog = DialogManager(nlu=engine, knowledge=lambda: kb, sessions=InMemorySessionStore(),
                           handlers=default_handlers(), clock=lambda: MONDAY_MORNING)  # fmt: skip
    replies = []
    for text in said:
        turn = Turn(platform="test", session_id="s", text=text)
        replies.append((await dialog.handle(turn)).reply.speech)
    return replies


def weekday(text: str) -> str:
    return next(d for d in ("Tuesday", "Wednesday", "tomorrow") if d in text)


async def test_the_house_number_is_asked_for_and_decides(
    split_kb: KnowledgeBase, engine: SpacyEngine
) -> None:
    asked, day = await talk(split_kb, engine, "when is garbage day on bond street east in oshawa",
                            "150")  # fmt: skip
    assert asked.startswith("Collection days change along Bond Street East.")
    assert "house number" in asked
    wednesday = (
        await talk(split_kb, engine, "when is garbage day at 150 bond street east in oshawa")
    )[0]
    assert day == wednesday
    tuesday = (
        await talk(split_kb, engine, "when is garbage day at 50 bond street east in oshawa")
    )[0]
    assert weekday(tuesday) != weekday(wednesday)


async def test_a_number_no_zone_has_is_said_plainly(
    split_kb: KnowledgeBase, engine: SpacyEngine
) -> None:
    [reply] = await talk(split_kb, engine, "when is garbage day at 2000 bond street east in oshawa")
    assert "I don't have number 2000 on Bond Street East" in reply and "311" in reply
