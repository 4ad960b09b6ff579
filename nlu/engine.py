"""The one interface every NLU engine offers, so settings can choose the engine.

`parse` is async because an engine may be a server across the network (Rasa); an
in-process engine simply answers at once. `parse` never raises on odd text: it
returns the fallback intent. Engines are configured only through constructors.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from nlu.types import Parse


@runtime_checkable
class NLUEngine(Protocol):
    name: str

    async def parse(self, text: str) -> Parse: ...

    async def close(self) -> None: ...
