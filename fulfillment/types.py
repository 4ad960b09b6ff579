"""The two platform-neutral types at the seam: a `Turn` comes in, a `Reply` goes out.

Adapters build Turns from Alexa, Google or console input and render Replies back;
nothing in the core sees a platform's own shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class TurnKind(Enum):
    LAUNCH = "launch"  # the resident opened the skill without saying anything yet
    UTTERANCE = "utterance"
    SESSION_END = "session_end"  # the platform closed the session; no reply is spoken


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """What the platform tells about the device: APIs we may call on the resident's behalf."""

    api_endpoint: str | None = None
    api_access_token: str | None = None
    permissions: tuple[str, ...] = ()
    has_screen: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    platform: str
    session_id: str
    text: str | None = None
    kind: TurnKind = TurnKind.UTTERANCE
    locale: str = "en-CA"
    user_id: str | None = None
    # set when the platform already resolved the intent (an Alexa interaction model)
    intent: str | None = None
    entities: dict[str, str] = field(default_factory=dict)
    device: DeviceContext = field(default_factory=DeviceContext)


@dataclass(frozen=True, slots=True)
class AskAddressPermission:
    """Ask the platform to show the resident a permission card for their device address."""


@dataclass(frozen=True, slots=True)
class CreateReminder:
    when_iso: str
    text: str


@dataclass(frozen=True, slots=True)
class HandOffToAgent:
    reason: str


Action = AskAddressPermission | CreateReminder | HandOffToAgent


@dataclass(frozen=True, slots=True)
class Reply:
    speech: str
    reprompt: str | None = None
    end_session: bool = False
    card_title: str | None = None
    card_text: str | None = None
    actions: tuple[Action, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "speech": self.speech,
            "reprompt": self.reprompt,
            "end_session": self.end_session,
            "card_title": self.card_title,
            "card_text": self.card_text,
            "actions": [type(a).__name__ for a in self.actions],
        }
