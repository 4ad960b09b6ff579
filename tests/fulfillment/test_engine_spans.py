"""Handlers stay useful when an engine tags a poor span, as a lightly trained DIET does."""

from __future__ import annotations

from fulfillment.dialog import DialogManager
from fulfillment.handlers import default_handlers
from fulfillment.sessions import InMemorySessionStore
from fulfillment.types import Turn
from knowledge_base import KnowledgeBase
from nlu import Entity, IntentScore, Parse
from tests.conftest import MONDAY_MORNING


class RecordedEngine:
    """Answers with what Rasa DIET (10 epochs) really returned for this sentence in CI."""

    name = "recorded"

    async def parse(self, text: str) -> Parse:
        return Parse(
            text,
            IntentScore("waste_sorting", 0.97),
            (Entity("waste_item", "a", 11, 12, 0.6, "DIETClassifier"),),
        )

    async def close(self) -> None:
        return None


async def test_a_poor_item_span_falls_back_to_the_whole_sentence(
    sample_kb: KnowledgeBase,
) -> None:
    dialog = DialogManager(
        nlu=RecordedEngine(),
        knowledge=lambda: sample_kb,
        sessions=InMemorySessionStore(),
        handlers=default_handlers(),
        clock=lambda: MONDAY_MORNING,
    )
    result = await dialog.handle(
        Turn(platform="test", session_id="s", text="where does a pizza box go")
    )
    assert "pizza boxes" in result.reply.speech
    assert "don't have a " not in result.reply.speech
