"""Parse results, shaped as Rasa's `POST /model/parse` answers, and trained-model records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int
    confidence: float = 1.0
    extractor: str = "durham311"

    def to_rasa(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "confidence": round(self.confidence, 4),
            "extractor": self.extractor,
        }


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float

    def to_rasa(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(self.confidence, 4)}


@dataclass(frozen=True, slots=True)
class Parse:
    text: str
    intent: IntentScore
    entities: tuple[Entity, ...] = ()
    intent_ranking: tuple[IntentScore, ...] = field(default=())
    # Spans found that the decided intent does not carry (`nlu.catalogue.ENTITY_CARRIERS`):
    # noise in an answer, but still the answer if we had just asked for that entity.
    set_aside: tuple[Entity, ...] = ()

    def entity(self, name: str) -> Entity | None:
        """The first entity of that type, which is the one a handler fills its slot from."""
        return next((e for e in self.entities if e.entity == name), None)

    def answer_to(self, name: str) -> Entity | None:
        """The entity that answers a question about `name`.

        One set aside counts only when the turn carries nothing of its own: "report a
        damaged bin" is a new request (with its issue type), not "bin" as the item asked for.
        """
        found = self.entity(name)
        if found is not None or self.entities:
            return found
        return self.aside(name)

    def aside(self, name: str) -> Entity | None:
        """The first entity of that type that was set aside."""
        return next((e for e in self.set_aside if e.entity == name), None)

    def entity_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for ent in self.entities:
            values.setdefault(ent.entity, ent.value)
        return values

    def to_rasa(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent.to_rasa(),
            "entities": [e.to_rasa() for e in self.entities],
            "intent_ranking": [i.to_rasa() for i in self.intent_ranking],
        }


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """What a trainer saved: `path` is what the engine loads (a directory, or Rasa's archive)."""

    engine: str
    path: Path
    examples: int
    intents: int
    seconds: float
