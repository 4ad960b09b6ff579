"""What residents asked and got no answer for is kept for staff, without personal details."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import timedelta

from fulfillment.types import Turn
from skill.services import Core


async def test_a_fallback_conversation_leaves_no_personal_details(core: Core) -> None:
    session = str(uuid.uuid4())
    said = [
        "my name is margaret wilson can you tell me a joke",
        "whats the weather going to be at 123 king street east tomorrow",
        "email the weather to margaret.wilson@example.com",
        "my name is margaret wilson call me at 905-555-1234 and tell me a joke",
    ]
    for text in said:
        reply = await core.dialog.handle(Turn(platform="console", session_id=session, text=text))
        assert "can't help" in reply.reply.speech, (text, reply.reply.speech)
    path = core.settings.unanswered_db
    rows = sqlite3.connect(path).execute("SELECT * FROM unanswered_questions").fetchall()
    assert rows, "the fallback turns were kept for staff"
    kept = " ".join(str(value) for row in rows for value in row).lower()
    for secret in ("margaret", "wilson", "123", "king street", "example.com", "905", "1234"):
        assert secret not in kept, secret
    raw = path.read_bytes().lower()
    for secret in (b"margaret", b"example.com", b"555-1234"):
        assert secret not in raw, secret
    assert core.unanswered is not None
    groups = await core.unanswered.groups(core.dialog.clock() - timedelta(days=1))
    assert sum(g.count for g in groups) == len(rows)
    assert any("<address>" in g.example for g in groups), [g.example for g in groups]
