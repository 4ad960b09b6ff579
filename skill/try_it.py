"""The editor's "try it": an utterance through the real pipeline, against a draft.

The same NLU, handlers and dialog as residents get, with the draft's knowledge base and
a throwaway session; nothing can be filed (no request desk) and nothing is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fulfillment.dialog import DialogManager
from fulfillment.handlers import default_handlers
from fulfillment.sessions import InMemorySessionStore
from fulfillment.types import Turn
from knowledge_base import Content, KnowledgeBase
from skill.services import Core

TryIt = Callable[[str, dict[str, Any]], Awaitable[str]]


def try_it_for(core: Core) -> TryIt:
    async def run(text: str, draft: dict[str, Any]) -> str:
        """What a resident would hear if the draft were published (it must be valid)."""
        kb = KnowledgeBase(Content.from_dict(draft), revision=0)
        dialog = DialogManager(
            nlu=core.nlu,
            knowledge=lambda: kb,
            sessions=InMemorySessionStore(ttl_seconds=60),
            handlers=default_handlers(),
            clock=lambda: datetime.now(core.settings.zone),
            desk=None,
        )
        turn = Turn(platform="editor", session_id=f"try-{uuid.uuid4()}", text=text)
        return (await dialog.handle(turn)).reply.speech

    return run
