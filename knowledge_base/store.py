"""The content store: every saved version kept as a revision in SQLite.

Content is small (a few hundred kilobytes) and edited a few times a day, so a
revision is the whole validated document. That makes publishing atomic, history
and rollback trivial, and a worker's reload one read. Nothing invalid is ever
written: a document is validated before its transaction begins.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.errors import ContentError, StoreError
from knowledge_base.model import Content, upgrade_garbage_weeks

SAMPLE_CONTENT = Path(__file__).parent / "sample" / "durham.yaml"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS revisions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at   TEXT NOT NULL,
    author       TEXT NOT NULL,
    note         TEXT NOT NULL,
    document     TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX IF NOT EXISTS revisions_published ON revisions (published_at, id);
"""


@dataclass(frozen=True, slots=True)
class Revision:
    id: int
    created_at: str
    author: str
    note: str
    published_at: str | None


class ContentStore:
    """A SQLite file of content revisions; `":memory:"` works for throwaway stores."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open content store {self.path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def save(self, document: Any, *, author: str, note: str, publish: bool) -> int:
        """Validate and keep `document` as a new revision; publish it if asked."""
        Content.from_dict(document)  # raises ContentError before anything is written
        now = datetime.now(UTC).isoformat(timespec="seconds")
        body = json.dumps(document, default=_json_default, ensure_ascii=False, sort_keys=True)
        cursor = self._db.execute(
            "INSERT INTO revisions (created_at, author, note, document, published_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (now, author, note, body, now if publish else None),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def publish(self, revision_id: int) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        cursor = self._db.execute(
            "UPDATE revisions SET published_at = ? WHERE id = ?", (now, revision_id)
        )
        if cursor.rowcount != 1:
            raise StoreError(f"no revision {revision_id}")

    def published(self) -> tuple[int, Content]:
        """The newest published revision, validated into `Content`."""
        row = self._db.execute(
            "SELECT id, document FROM revisions WHERE published_at IS NOT NULL"
            " ORDER BY published_at DESC, id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            raise StoreError(f"content store {self.path} has no published content")
        return int(row[0]), Content.from_dict(upgrade(json.loads(row[1])))

    def revisions(self) -> list[Revision]:
        rows = self._db.execute(
            "SELECT id, created_at, author, note, published_at FROM revisions ORDER BY id DESC"
        ).fetchall()
        return [Revision(*row) for row in rows]

    def seed(self, path: Path = SAMPLE_CONTENT) -> int | None:
        """Publish the bundled sample content into an empty store; None if it had content."""
        if self._db.execute("SELECT 1 FROM revisions LIMIT 1").fetchone():
            return None
        return self.save(load_document(path), author="durham311", note=f"seeded from {path.name}",
                         publish=True)  # fmt: skip


def upgrade(document: Any) -> Any:
    """A document saved in an older shape, brought to this one before it is read.

    Odd/even garbage weeks become anchor dates (`upgrade_garbage_weeks`).

    Safety advice, who handles what and the service types were added after stores were in
    use: a store published before them gets the sample's (marked unverified), so an
    upgraded service still tells a resident in danger what to do and sends reports to
    the right body. Staff then check them and publish their own.
    """
    document = upgrade_garbage_weeks(document)
    if not isinstance(document, dict):
        return document
    missing = [k for k in ("safety", "who_handles", "service_types") if k not in document]
    if missing:
        sample = load_document(SAMPLE_CONTENT)
        for key in missing:
            added = sample[key]
            document = {**document, key: {**added, "verified": False} if key != "service_types"
                        else added}  # fmt: skip
    return document


def load_document(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in content")
