"""Dialog state between turns, and where it is kept: memory by default, Redis in production
(`fulfillment.redis_sessions`, imported only when configured).

State holds what the conversation needs and nothing more (a pending question,
the slots heard so far, the last answer for "repeat"), and it expires: an
address said to the skill is forgotten when the session times out.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(slots=True)
class DialogState:
    pending_intent: str | None = None  # the intent whose question we are waiting on
    pending_slot: str | None = None  # the entity that question asks for
    slots: dict[str, str] = field(default_factory=dict)
    last_speech: str | None = None
    last_reprompt: str | None = None
    turns: int = 0
    # The kind of danger the last reply was about, so "say that again" repeats that help and
    # "it was a false alarm" carries on, and the question it interrupted, to ask again then.
    safety: str | None = None
    resume_intent: str | None = None
    resume_slot: str | None = None
    resume_prompt: str | None = None
    crisis: bool = False  # a crisis was heard this session: every goodbye gives 9-8-8 again
    # The topic: the intent last answered, so "what about the green bin", "and on saturday"
    # or "the one in whitby" change one thing of it (its values are in `slots`).
    topic: str | None = None
    prior_topic: str | None = None  # the topic before, for two questions said in one breath
    # The question last asked and how many times in a row, so it is never asked a third time.
    asked: str | None = None
    asked_times: int = 0
    queued: str | None = None  # the second question of two said in one breath
    # A report being filled in (fulfillment.report.ReportForm as a dict), and the reference
    # last given, so "what was my reference number" can be answered.
    report: dict[str, Any] | None = None
    last_reference: str | None = None

    def ask(self, intent: str, slot: str) -> int:
        """Wait for `slot` of `intent`; how many times in a row it has now been asked."""
        question = f"{intent}:{slot}"
        self.asked_times = self.asked_times + 1 if self.asked == question else 1
        self.asked = question
        self.pending_intent, self.pending_slot = intent, slot
        return self.asked_times

    def clear_pending(self) -> None:
        self.pending_intent = self.pending_slot = None

    def interrupt(self, kind: str) -> None:
        """Danger was heard: keep the open question to ask again after an all clear.

        A yes/no offer is not kept: nothing is done on the strength of a "yes" said
        before the danger.
        """
        if (
            self.pending_intent
            and self.pending_slot
            and not self.pending_slot.startswith("confirm")
        ):
            self.resume_intent, self.resume_slot = self.pending_intent, self.pending_slot
            self.resume_prompt = self.last_reprompt or self.last_speech
        self.clear_pending()
        if self.report is not None:  # a report is never filed on a yes said before danger
            self.report = {**self.report, "confirming": False}
        self.safety = kind
        self.crisis = self.crisis or kind == "crisis"

    def after_safety(self) -> DialogState:
        """What is kept once a safety reply ends the session: that reply, for "repeat"."""
        return DialogState(
            last_speech=self.last_speech, last_reprompt=self.last_reprompt, safety=self.safety,
            resume_intent=self.resume_intent, resume_slot=self.resume_slot,
            resume_prompt=self.resume_prompt, crisis=self.crisis,
        )  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> DialogState:
        try:
            data: Any = json.loads(raw)
            return cls(**data)
        except (ValueError, TypeError):
            return cls()  # unreadable old state is dropped, never fatal


class SessionStore(Protocol):
    async def load(self, session_id: str) -> DialogState: ...

    async def save(self, session_id: str, state: DialogState) -> None: ...

    async def drop(self, session_id: str) -> None: ...

    async def close(self) -> None: ...


class InMemorySessionStore:
    """One process's sessions, each expiring `ttl_seconds` after its last turn."""

    def __init__(
        self,
        *,
        ttl_seconds: float = 600,
        max_sessions: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._max, self._clock = ttl_seconds, max_sessions, clock
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def load(self, session_id: str) -> DialogState:
        self._expire()
        entry = self._items.get(session_id)
        return DialogState.from_json(entry[1]) if entry else DialogState()

    async def save(self, session_id: str, state: DialogState) -> None:
        self._items.pop(session_id, None)
        self._items[session_id] = (self._clock() + self._ttl, state.to_json())
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    async def drop(self, session_id: str) -> None:
        self._items.pop(session_id, None)

    async def close(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        self._expire()
        return len(self._items)

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires > now:
                break
            del self._items[key]
