"""The content store: every saved version of the content kept as a revision.

Content is small (a few hundred kilobytes) and edited a few times a day, so a
revision is the whole validated document. That makes publishing atomic, history
and rollback trivial, and a worker's reload one read. Nothing invalid is ever
written: a document is validated before its transaction begins.

Two stores answer the same `RevisionStore` protocol: a SQLite file (the default, one
machine) and PostgreSQL (`knowledge_base.pg_store`, several machines sharing one
source); `open_content_store` picks one from the settings' values.

The published version is the highest published revision id, so it only ever goes up:
a worker compares one number (`published_id`) to know it must reload, and publishing
an older revision is refused in favour of `rollback`, which republishes its document
as a new revision.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from knowledge_base.errors import ContentError, StoreError
from knowledge_base.model import Content, upgrade_garbage_weeks

SAMPLE_CONTENT = Path(__file__).parent / "sample" / "durham.yaml"
MAX_AUTHOR = 200
MAX_NOTE = 2000

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
# Added after stores were in use: who published, and indexes that keep the per-second
# version check and the history page off the (large) documents.
_ADD_PUBLISHED_BY = "ALTER TABLE revisions ADD COLUMN published_by TEXT"
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS revisions_live ON revisions (id) WHERE published_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS revisions_history"
    " ON revisions (id, created_at, author, note, published_at, published_by)",
)


@dataclass(frozen=True, slots=True)
class Revision:
    id: int
    created_at: str
    author: str
    note: str
    published_at: str | None
    published_by: str | None = None


class RevisionStore(Protocol):
    """What the service, the editor and the CLI need of a content store; all calls are
    synchronous and safe from any thread (workers run them off the event loop)."""

    def save(self, document: Any, *, author: str, note: str, publish: bool) -> int:
        """Validate `document`, keep it as a new revision (published if asked); its id.
        ContentError (naming the bad field) leaves the store untouched."""
        ...

    def publish(self, revision_id: int, *, author: str) -> None:
        """Make a revision newer than the published one live."""
        ...

    def rollback(self, revision_id: int, *, author: str) -> int:
        """Publish `revision_id`'s document again, as a new revision; its id."""
        ...

    def published(self) -> tuple[int, Content]:
        """The live revision's id and content; StoreError when nothing is published."""
        ...

    def published_id(self) -> int | None:
        """The live revision's id, cheaply: the version a worker compares with its own."""
        ...

    def document(self, revision_id: int) -> dict[str, Any]:
        """A revision's document, in the current shape (`upgrade`)."""
        ...

    def draft(self) -> tuple[int, dict[str, Any]] | None:
        """The newest revision newer than the published one, if any, with its document."""
        ...

    def revisions(self, limit: int = 100) -> list[Revision]:
        """The newest `limit` revisions, newest first, without their documents."""
        ...

    def seed(self, path: Path = SAMPLE_CONTENT) -> int | None:
        """Publish `path` into an empty store; None if the store had content."""
        ...

    def close(self) -> None: ...


def open_content_store(*, database_url: str | None, sqlite_path: Path) -> RevisionStore:
    """PostgreSQL when `database_url` is set (workers on several machines share it), else
    the SQLite file at `sqlite_path`."""
    if database_url:
        from knowledge_base.pg_store import PostgresContentStore

        return PostgresContentStore(database_url)
    return SqliteContentStore(sqlite_path)


class SqliteContentStore:
    """A SQLite file of content revisions; `":memory:"` works for throwaway stores.

    Several processes may share the file (WAL: readers never wait for a writer); every
    write is one `BEGIN IMMEDIATE` transaction, and a lock serialises this object's
    calls between threads.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10.0
            )
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            with self._writing() as db:  # two workers opening a new file make it once
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                columns = {row[1] for row in db.execute("PRAGMA table_info(revisions)")}
                if "published_by" not in columns:
                    db.execute(_ADD_PUBLISHED_BY)
                for statement in _INDEXES:
                    db.execute(statement)
        except (sqlite3.Error, StoreError) as exc:
            self._db_close_quietly()
            cause = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ else exc
            raise StoreError(f"cannot open content store {self.path}: {cause}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def save(self, document: Any, *, author: str, note: str, publish: bool) -> int:
        body = prepare(document, author=author, note=note)
        with self._writing() as db:
            return _sqlite_insert(db, body, author=author, note=note, publish=publish)

    def publish(self, revision_id: int, *, author: str) -> None:
        check_author(author)
        with self._writing() as db:
            live = db.execute(_LIVE_ID).fetchone()[0]
            if not db.execute("SELECT 1 FROM revisions WHERE id = ?", (revision_id,)).fetchone():
                raise StoreError(f"no revision {revision_id}")
            if live is not None and revision_id <= live:
                check_publishable(revision_id, live)
                return
            db.execute(
                "UPDATE revisions SET published_at = ?, published_by = ? WHERE id = ?",
                (_now(), author, revision_id),
            )

    def rollback(self, revision_id: int, *, author: str) -> int:
        document = self.document(revision_id)
        note = f"rolled back to revision {revision_id}"
        return self.save(document, author=author, note=note, publish=True)

    def published(self) -> tuple[int, Content]:
        """The newest published revision, validated into `Content`."""
        with self._reading() as db:
            row = db.execute(
                f"SELECT id, document FROM revisions WHERE id = ({_LIVE_ID})"
            ).fetchone()
        if row is None:
            raise StoreError(f"content store {self.path} has no published content")
        return int(row[0]), Content.from_dict(upgrade(json.loads(row[1])))

    def published_id(self) -> int | None:
        with self._reading() as db:
            live = db.execute(_LIVE_ID).fetchone()[0]
        return None if live is None else int(live)

    def document(self, revision_id: int) -> dict[str, Any]:
        with self._reading() as db:
            row = db.execute("SELECT document FROM revisions WHERE id = ?", (revision_id,))
            found = row.fetchone()
        if found is None:
            raise StoreError(f"no revision {revision_id}")
        return as_document(found[0])

    def draft(self) -> tuple[int, dict[str, Any]] | None:
        with self._reading() as db:
            row = db.execute(
                f"SELECT id, document FROM revisions WHERE id > COALESCE(({_LIVE_ID}), 0)"
                " AND published_at IS NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return None if row is None else (int(row[0]), as_document(row[1]))

    def revisions(self, limit: int = 100) -> list[Revision]:
        with self._reading() as db:
            rows = db.execute(
                "SELECT id, created_at, author, note, published_at, published_by"
                " FROM revisions ORDER BY id DESC LIMIT ?",
                (max(0, limit),),
            ).fetchall()
        return [Revision(*row) for row in rows]

    def seed(self, path: Path = SAMPLE_CONTENT) -> int | None:
        """Publish the bundled sample content into an empty store; None if it had content.

        Two workers starting on one empty store seed it once: the check and the write
        are one transaction."""
        with self._reading() as db:
            if db.execute("SELECT 1 FROM revisions LIMIT 1").fetchone():
                return None
        author, note = "durham311", f"seeded from {path.name}"
        body = prepare(load_document(path), author=author, note=note)
        with self._writing() as db:
            if db.execute("SELECT 1 FROM revisions LIMIT 1").fetchone():
                return None
            return _sqlite_insert(db, body, author=author, note=note, publish=True)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise StoreError(f"content store {self.path} failed: {exc}") from exc

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed whole, or rolled back on any error."""
        with self._reading() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _db_close_quietly(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()


# The SQLite store under its first name, which callers and stores in use construct.
ContentStore = SqliteContentStore

_LIVE_ID = "SELECT MAX(id) FROM revisions WHERE published_at IS NOT NULL"


def _sqlite_insert(
    db: sqlite3.Connection, body: str, *, author: str, note: str, publish: bool
) -> int:
    now = _now()
    cursor = db.execute(
        "INSERT INTO revisions (created_at, author, note, document, published_at, published_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (now, author, note, body, now if publish else None, author if publish else None),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


# ------------------------------------------------------------------ shared by both stores


def prepare(document: Any, *, author: str, note: str) -> str:
    """The document as stored, after every check a write needs: nothing is written on error.

    Raises ContentError naming the bad field, or StoreError for a bad author or note."""
    check_author(author)
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise StoreError(f"note must be text of at most {MAX_NOTE} characters")
    Content.from_dict(document)
    try:
        return json.dumps(document, default=_json_default, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ContentError(f"content: cannot be stored: {exc}") from exc


def check_author(author: str) -> None:
    if not isinstance(author, str) or not author.strip() or len(author) > MAX_AUTHOR:
        raise StoreError(f"author must be a name of 1 to {MAX_AUTHOR} characters")


def check_publishable(revision_id: int, live: int) -> None:
    """Publishing the live revision again changes nothing; an older one is refused, since
    the published version only goes up (workers reload when it does)."""
    if revision_id < live:
        raise StoreError(
            f"revision {revision_id} is older than the published revision {live};"
            " roll back to it instead"
        )


def as_document(stored: str | Any) -> dict[str, Any]:
    """A stored document (JSON text, or already parsed), in the current shape."""
    document = upgrade(json.loads(stored) if isinstance(stored, str) else stored)
    if not isinstance(document, dict):
        raise StoreError("a stored revision is not a content document")
    return document


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
