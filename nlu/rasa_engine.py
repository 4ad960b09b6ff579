"""The Rasa engine: a client for a Rasa server's `POST /model/parse`.

Municipal teams that already run Rasa can point the service at it, and the
benchmark measures our own engine against it on the same data. The safety layer
applies here too: whichever engine is chosen, a resident describing a fire or a
gas smell is told to call 9-1-1.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from nlu.catalogue import FALLBACK_INTENT, split_carried
from nlu.errors import RasaUnavailableError
from nlu.normalize import normalize
from nlu.safety import SafetyCheck
from nlu.types import Entity, IntentScore, Parse

# Rasa's FallbackClassifier answers with this name; our catalogue calls it out_of_scope.
RASA_FALLBACK = "nlu_fallback"


class RasaEngine:
    name = "rasa"

    def __init__(
        self,
        *,
        url: str,
        timeout_seconds: float = 4.0,
        safety: SafetyCheck | None = None,
        raw: bool = False,
        threshold: float = 0.35,
    ) -> None:
        """`raw=True` reports Rasa's own answer, without the safety check (for benchmarks)."""
        self.url = url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._safety = None if raw else safety or SafetyCheck()
        self._threshold = threshold
        self._session: aiohttp.ClientSession | None = None

    async def parse(self, text: str) -> Parse:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(f"{self.url}/model/parse", json={"text": text}) as resp:
                if resp.status != 200:
                    raise RasaUnavailableError(
                        f"Rasa server answered {resp.status} to /model/parse"
                    )
                body = await resp.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailableError(
                f"Rasa server at {self.url} did not answer: {exc!r}"
            ) from exc
        return self._to_parse(text, body)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _to_parse(self, text: str, body: Any) -> Parse:
        if not isinstance(body, dict):
            raise RasaUnavailableError("Rasa server answered /model/parse with something not JSON")
        ranking = tuple(_score(r) for r in body.get("intent_ranking") or [] if isinstance(r, dict))
        intent = _score(body.get("intent") or {})
        if self._safety is not None:
            intent = self._safety.decide(
                normalize(text).text, ranking or (intent,), threshold=self._threshold
            )
        entities = (_entity(e) for e in body.get("entities") or [] if isinstance(e, dict))
        carried, aside = split_carried(intent.name, entities)
        return Parse(text, intent, carried, ranking, aside)


def _score(raw: dict[str, Any]) -> IntentScore:
    name = raw.get("name")
    if not isinstance(name, str) or name == RASA_FALLBACK:
        name = FALLBACK_INTENT
    return IntentScore(name, float(raw.get("confidence") or 0.0))


def _entity(raw: dict[str, Any]) -> Entity:
    return Entity(
        entity=str(raw.get("entity", "")),
        value=str(raw.get("value", "")),
        start=int(raw.get("start") or 0),
        end=int(raw.get("end") or 0),
        confidence=float(raw.get("confidence_entity") or raw.get("confidence") or 1.0),
        extractor=str(raw.get("extractor") or "rasa"),
    )
