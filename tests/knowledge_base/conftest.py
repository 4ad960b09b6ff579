"""Knowledge-base fixtures: a store holding a document published by an older version."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from knowledge_base import Content, ContentStore


@pytest.fixture
def published_long_ago(tmp_path: Path) -> Callable[[Any], Content]:
    """The content a store gives for `document` written straight into it, as an older
    version published it (no validation, no upgrade on the way in)."""

    def publish(document: Any) -> Content:
        store = ContentStore(tmp_path / "old.sqlite3")
        store._db.execute(
            "INSERT INTO revisions (created_at, author, note, document, published_at)"
            " VALUES ('2026-01-01', 'x', 'old', ?, '2026-01-01')",
            (json.dumps(document, default=str),),
        )
        _, content = store.published()
        store.close()
        return content

    return publish
