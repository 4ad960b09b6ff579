"""The audit log: who changed what, when, kept in the editor's database for staff to read.

Every change to content or accounts, and every sign-in and sign-out, leaves one line.
Subjects and details are written for people ("waste item pizza-box", "disposal:
green_bin -> blue_box"), since the audit page shows them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from editor.accounts import Clock, stamp, utc_now
from editor.database import Database

MAX_DETAIL = 2000  # a long diff is cut; the revision history keeps the whole change


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: str


class AuditLog:
    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    async def record(self, actor: str, action: str, subject: str, detail: str = "") -> None:
        if len(detail) > MAX_DETAIL:
            detail = detail[: MAX_DETAIL - 1] + "…"
        await self._db.execute(
            "INSERT INTO editor_audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (stamp(self._clock()), actor, action, subject, detail),
        )

    async def recent(
        self, *, limit: int = 200, actor: str | None = None, before: int | None = None
    ) -> list[AuditEntry]:
        """Newest first; `before` (an entry id) pages further back."""
        clauses: list[str] = []
        params: list[object] = []
        if actor:
            clauses.append("actor = ?")
            params.append(actor)
        if before is not None:
            clauses.append("id < ?")
            params.append(before)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._db.fetch_all(
            f"SELECT id, at, actor, action, subject, detail FROM editor_audit{where}"
            " ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [
            AuditEntry(
                int(r["id"]),
                datetime.fromisoformat(r["at"]),
                r["actor"],
                r["action"],
                r["subject"],
                r["detail"],
            )
            for r in rows
        ]
