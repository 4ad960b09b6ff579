"""The content store in PostgreSQL: workers on several machines share one content source.

Same revisions, same rules and same answers as the SQLite store (`knowledge_base.store`);
only the database differs. Every write takes one transaction-scoped advisory lock first,
so revision ids are handed out in commit order: a worker that has seen version N never
later finds a published revision below N appear. Reads take no lock.

Synchronous like the SQLite store, through a small psycopg pool: each call borrows its
own connection, so calls from several threads (workers poll off the event loop) never
share a transaction, and a connection the server dropped is replaced on the next call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from knowledge_base.errors import StoreError
from knowledge_base.model import Content
from knowledge_base.store import (
    SAMPLE_CONTENT,
    Revision,
    as_document,
    check_author,
    check_publishable,
    load_document,
    prepare,
)

TABLE = "content_revisions"
# Any fixed number: the lock every content write (and schema creation) takes first.
_WRITE_LOCK = 0x0D311C0
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at   TIMESTAMPTZ NOT NULL,
    author       TEXT NOT NULL,
    note         TEXT NOT NULL,
    document     JSONB NOT NULL,
    published_at TIMESTAMPTZ,
    published_by TEXT
);
CREATE INDEX IF NOT EXISTS {TABLE}_live ON {TABLE} (id) WHERE published_at IS NOT NULL
"""
_LIVE_ID = f"SELECT MAX(id) FROM {TABLE} WHERE published_at IS NOT NULL"


class PostgresContentStore:
    """Content revisions in the `content_revisions` table of the database at `url`.

    The pool opens (and the table is made) in the constructor; an unreachable server
    is a StoreError within `timeout` seconds. Messages never include the URL, which may
    hold a password.
    """

    def __init__(
        self, url: str, *, min_size: int = 1, max_size: int = 4, timeout: float = 10.0
    ) -> None:
        self._pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            check=ConnectionPool.check_connection,
            name="durham311-content",
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
            with self._writing() as conn:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement.encode())
        except (psycopg.Error, PoolTimeout, StoreError) as exc:
            self._pool.close()
            raise StoreError(
                f"cannot open the PostgreSQL content store: {_first_line(exc)}"
            ) from exc

    def close(self) -> None:
        self._pool.close()

    def save(self, document: Any, *, author: str, note: str, publish: bool) -> int:
        body = prepare(document, author=author, note=note)
        with self._writing() as conn:
            return _insert(conn, body, author=author, note=note, publish=publish)

    def publish(self, revision_id: int, *, author: str) -> None:
        check_author(author)
        with self._writing() as conn:
            live = _one(conn, _LIVE_ID)
            if _one(conn, f"SELECT id FROM {TABLE} WHERE id = %s", revision_id) is None:
                raise StoreError(f"no revision {revision_id}")
            if live is not None and revision_id <= live:
                check_publishable(revision_id, int(live))
                return
            conn.execute(
                f"UPDATE {TABLE} SET published_at = now(), published_by = %s WHERE id = %s",
                (author, revision_id),
            )

    def rollback(self, revision_id: int, *, author: str) -> int:
        document = self.document(revision_id)
        note = f"rolled back to revision {revision_id}"
        return self.save(document, author=author, note=note, publish=True)

    def published(self) -> tuple[int, Content]:
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT id, document FROM {TABLE} WHERE id = ({_LIVE_ID})"
            ).fetchone()
        if row is None:
            raise StoreError("the PostgreSQL content store has no published content")
        return int(row[0]), Content.from_dict(as_document(row[1]))

    def published_id(self) -> int | None:
        with self._reading() as conn:
            live = _one(conn, _LIVE_ID)
        return None if live is None else int(live)

    def document(self, revision_id: int) -> dict[str, Any]:
        with self._reading() as conn:
            stored = _one(conn, f"SELECT document FROM {TABLE} WHERE id = %s", revision_id)
        if stored is None:
            raise StoreError(f"no revision {revision_id}")
        return as_document(stored)

    def draft(self) -> tuple[int, dict[str, Any]] | None:
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT id, document FROM {TABLE} WHERE id > COALESCE(({_LIVE_ID}), 0)"
                " AND published_at IS NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return None if row is None else (int(row[0]), as_document(row[1]))

    def revisions(self, limit: int = 100) -> list[Revision]:
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT id, created_at, author, note, published_at, published_by"
                f" FROM {TABLE} ORDER BY id DESC LIMIT %s",
                (max(0, limit),),
            ).fetchall()
        return [
            Revision(
                int(i), _text(created), author, note, _text(published) if published else None, by
            )
            for i, created, author, note, published, by in rows
        ]

    def seed(self, path: Path = SAMPLE_CONTENT) -> int | None:
        """Publish `path` into an empty store, once however many workers start together."""
        with self._reading() as conn:
            if _one(conn, f"SELECT 1 FROM {TABLE} LIMIT 1") is not None:
                return None
        author, note = "durham311", f"seeded from {path.name}"
        body = prepare(load_document(path), author=author, note=note)
        with self._writing() as conn:
            if _one(conn, f"SELECT 1 FROM {TABLE} LIMIT 1") is not None:
                return None
            return _insert(conn, body, author=author, note=note, publish=True)

    @contextmanager
    def _reading(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection in one transaction, committed on leaving, rolled back on error."""
        try:
            with self._pool.connection() as conn:
                yield conn
        except (psycopg.Error, PoolTimeout) as exc:
            raise StoreError(f"the PostgreSQL content store failed ({_reason(exc)})") from exc

    @contextmanager
    def _writing(self) -> Iterator[psycopg.Connection[Any]]:
        with self._reading() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            yield conn


def _insert(
    conn: psycopg.Connection[Any], body: str, *, author: str, note: str, publish: bool
) -> int:
    row = conn.execute(
        f"INSERT INTO {TABLE} (created_at, author, note, document, published_at, published_by)"
        " VALUES (now(), %s, %s, %s::jsonb, CASE WHEN %s THEN now() END, %s) RETURNING id",
        (author, note, body, publish, author if publish else None),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _one(conn: psycopg.Connection[Any], sql: str, *params: object) -> Any:
    """The first column of the first row, or None."""
    row = conn.execute(sql.encode(), params).fetchone()
    return None if row is None else row[0]


def _text(moment: datetime) -> str:
    """As the SQLite store writes times: UTC, ISO 8601, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _first_line(exc: BaseException) -> str:
    """Why a connection failed ("connection refused", "database ... does not exist"): the
    server's words never include the password, only the host, port and names."""
    cause = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ else exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def _reason(exc: BaseException) -> str:
    """What went wrong, without the server's message (it may quote the URL or the data)."""
    cause = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ else exc
    state = getattr(cause, "sqlstate", None)
    return f"{type(cause).__name__}{f' {state}' if state else ''}"
