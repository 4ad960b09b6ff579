"""The interfaces every NLU engine offers, so settings can choose the engine.

An engine comes in two halves. Its trainer turns a Rasa NLU YAML file into a saved
model (`train(data, out=...)`); its parser loads that model in its constructor and
answers `parse(text)`. They are separate objects because the two engines train and
serve in different places: ours in this process, Rasa in its own Python 3.10
environment and then behind its own HTTP server.

`parse` is async because an engine may be a server across the network (Rasa); an
in-process engine simply answers at once. `parse` never raises on odd text: it
returns the fallback intent. Both halves are configured only through constructors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from nlu.types import Parse, TrainedModel


@runtime_checkable
class NLUEngine(Protocol):
    name: str

    async def parse(self, text: str) -> Parse: ...

    async def close(self) -> None: ...


@runtime_checkable
class NLUTrainer(Protocol):
    name: str

    def train(self, data: Path, *, out: Path) -> TrainedModel:
        """Train on a Rasa NLU YAML file and save the model under `out`, replacing it."""
        ...
