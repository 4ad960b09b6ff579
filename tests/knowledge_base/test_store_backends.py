"""One contract, two stores: every test runs on a SQLite file and on the real PostgreSQL.

The PostgreSQL database is made with a random name for this run and dropped after it.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest

from knowledge_base import SAMPLE_CONTENT, ContentError, StoreError
from knowledge_base.pg_store import PostgresContentStore
from knowledge_base.store import (
    ContentStore,
    RevisionStore,
    SqliteContentStore,
    load_document,
    open_content_store,
)
from tests.conftest import free_port, fresh_database

StoreFactory = Callable[[], RevisionStore]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A fresh database on the real server for this module's tests, dropped afterwards."""
    with fresh_database("content_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens a store on the same (empty at first) place each call; closes them all after."""
    opened: list[RevisionStore] = []
    if request.param == "sqlite":
        path = tmp_path / "content.sqlite3"
        factory = partial(open_content_store, database_url=None, sqlite_path=path)
    else:
        url = request.getfixturevalue("postgres_url")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS content_revisions")
        factory = partial(open_content_store, database_url=url, sqlite_path=tmp_path / "unused")

    def make() -> RevisionStore:
        opened.append(factory())
        return opened[-1]

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: StoreFactory) -> RevisionStore:
    return make_store()


@pytest.fixture(scope="module")
def sample() -> Any:
    return load_document(SAMPLE_CONTENT)


def changed(sample: Any, hours: str) -> Any:
    document = copy.deepcopy(sample)
    document["organisation"]["hours_311"] = hours
    return document


def test_the_url_chooses_the_store(
    make_store: StoreFactory, request: pytest.FixtureRequest
) -> None:
    kind = request.node.callspec.params["make_store"]
    expected = SqliteContentStore if kind == "sqlite" else PostgresContentStore
    assert isinstance(make_store(), expected)
    assert ContentStore is SqliteContentStore  # the name existing callers construct


def test_an_empty_store_says_so(store: RevisionStore) -> None:
    assert store.published_id() is None
    assert store.draft() is None
    assert store.revisions() == []
    with pytest.raises(StoreError, match="no published content"):
        store.published()


def test_a_refused_save_writes_nothing_and_names_the_field(
    store: RevisionStore, sample: Any
) -> None:
    first = store.save(sample, author="staff", note="initial", publish=True)
    broken = copy.deepcopy(sample)
    broken["waste_items"][3]["disposal"] = "the moon"
    with pytest.raises(ContentError, match=r"content\.waste_items\[3\]\.disposal"):
        store.save(broken, author="staff", note="broken", publish=True)
    with pytest.raises(StoreError, match="author"):
        store.save(sample, author="  ", note="nobody", publish=True)
    assert [r.id for r in store.revisions()] == [first]
    assert store.published_id() == first


def test_a_draft_stays_invisible_until_published(store: RevisionStore, sample: Any) -> None:
    live = store.save(sample, author="ana", note="v1", publish=True)
    draft = store.save(changed(sample, "every day"), author="bo", note="v2", publish=False)
    assert store.published_id() == live
    assert store.published()[1].organisation.hours_311 != "every day"
    assert store.draft() == (draft, store.document(draft))
    assert store.document(draft)["organisation"]["hours_311"] == "every day"

    store.publish(draft, author="cy")
    revision, content = store.published()
    assert (revision, content.organisation.hours_311) == (draft, "every day")
    assert store.draft() is None
    newest, oldest = store.revisions()
    assert (newest.id, newest.author, newest.note, newest.published_by) == (draft, "bo", "v2", "cy")
    assert newest.published_at is not None and newest.created_at <= newest.published_at
    assert (oldest.id, oldest.published_by) == (live, "ana")


def test_the_published_version_only_goes_up(store: RevisionStore, sample: Any) -> None:
    first = store.save(sample, author="ana", note="v1", publish=True)
    stale = store.save(changed(sample, "stale"), author="ana", note="never", publish=False)
    second = store.save(changed(sample, "second"), author="ana", note="v2", publish=True)
    with pytest.raises(StoreError, match=f"revision {stale} is older.*roll back"):
        store.publish(stale, author="ana")
    store.publish(second, author="bo")  # already live: nothing changes
    assert store.revisions(limit=1)[0].published_by == "ana"
    with pytest.raises(StoreError, match="no revision 999"):
        store.publish(999, author="ana")

    back = store.rollback(first, author="cy")
    assert back > second
    assert store.published_id() == back
    assert store.document(back) == store.document(first)
    top = store.revisions(limit=1)[0]
    assert (top.note, top.author, top.published_by) == (f"rolled back to revision {first}",
                                                        "cy", "cy")  # fmt: skip
    with pytest.raises(StoreError, match="no revision 999"):
        store.rollback(999, author="cy")


def test_revisions_survive_a_reopen(make_store: StoreFactory, sample: Any) -> None:
    store = make_store()
    live = store.save(changed(sample, "kept"), author="ana", note="v1", publish=True)
    store.close()
    reopened = make_store()
    revision, content = reopened.published()
    assert (revision, content.organisation.hours_311) == (live, "kept")
    assert [r.id for r in reopened.revisions(limit=5)] == [live]


def test_seeding_happens_once_however_many_workers_start(make_store: StoreFactory) -> None:
    stores = [make_store() for _ in range(4)]
    seeded: list[int | None] = []
    threads = [threading.Thread(target=lambda s=s: seeded.append(s.seed())) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([s for s in seeded if s is not None]) == 1
    assert len(stores[0].revisions()) == 1
    assert stores[0].published_id() == next(s for s in seeded if s is not None)


def test_a_watcher_never_sees_the_version_go_down(make_store: StoreFactory, sample: Any) -> None:
    """Two publishers at once, in two connections; a third reads the version meanwhile."""
    writers, reader = [make_store(), make_store()], make_store()
    reader.seed()
    seen: list[int] = []
    done = threading.Event()

    def publish(store: RevisionStore, name: str) -> None:
        for n in range(5):
            store.save(changed(sample, f"{name} {n}"), author=name, note="", publish=True)

    def watch() -> None:
        while not done.is_set():
            seen.append(reader.published_id() or 0)

    threads = [threading.Thread(target=publish, args=(w, f"p{i}")) for i, w in enumerate(writers)]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    assert seen == sorted(seen)
    assert reader.published_id() == max(r.id for r in reader.revisions())
    assert len(reader.revisions()) == 11


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/content"
    with pytest.raises(StoreError, match="cannot open the PostgreSQL content store") as info:
        PostgresContentStore(url, timeout=1.0)
    assert "hunter2" not in str(info.value)


def test_a_sqlite_store_from_before_publishers_were_recorded_still_opens(
    tmp_path: Path, sample: Any
) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE revisions (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
        " author TEXT NOT NULL, note TEXT NOT NULL, document TEXT NOT NULL, published_at TEXT);"
    )
    old.execute(
        "INSERT INTO revisions (created_at, author, note, document, published_at)"
        " VALUES ('2026-01-01', 'x', 'old', ?, '2026-01-01')",
        (json.dumps(sample, default=str),),
    )
    old.commit()
    old.close()
    store = SqliteContentStore(path)
    assert store.published_id() == 1
    assert store.revisions()[0].published_by is None
    draft = store.save(changed(sample, "new"), author="ana", note="v2", publish=False)
    store.publish(draft, author="bo")
    assert store.revisions()[0].published_by == "bo"
    store.close()
