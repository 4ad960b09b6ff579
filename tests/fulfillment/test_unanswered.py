"""The unanswered-questions store: personal details never stored, questions grouped, old
ones deleted. One contract, run on SQLite (read back from the file itself) and on the
machine's real PostgreSQL (a database of its own, dropped afterwards)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import yaml

from fulfillment.errors import FulfillmentError
from fulfillment.unanswered import (
    PostgresUnansweredStore,
    Scrubber,
    SqliteUnansweredStore,
    UnansweredError,
    UnansweredStore,
    scrub,
    similar,
    topic,
    wording,
)
from knowledge_base import SAMPLE_CONTENT, Content, KnowledgeBase
from tests.conftest import MONDAY_MORNING, fresh_database

NOW = MONDAY_MORNING
KEEP_DAYS = 30

# What a resident said in a conversation that ended in the fallback, and everything in it
# that must never be stored: address, phone number (written and said), email and name.
CONVERSATION = (
    "hi this is Margaret Okafor calling",
    "my name is John Smith and I live at 123 King Street East in Oshawa",
    "can someone call me back at 905-555-1234 about the raccoons in my attic",
    "my number is nine oh five five five five one two three four",
    "or email me at john.smith@example.com, my postal code is L1H 7K4",
    "it's j smith at rogers dot com if that's easier",
)
PERSONAL = (
    "margaret", "okafor", "john", "smith", "123", "king street", "905", "555", "1234",
    "nine oh five", "five five five", "one two three four", "example.com", "rogers",
    "l1h", "7k4",
)  # fmt: skip


@pytest.fixture(scope="module")
def sample_streets() -> tuple[str, ...]:
    content = Content.from_dict(yaml.safe_load(SAMPLE_CONTENT.read_text(encoding="utf-8")))
    return KnowledgeBase(content).gazetteers()["streets"]


# ------------------------------------------------------------------------------ scrub


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("I live at 123 King Street East, Oshawa", "I live at <address>, Oshawa"),
        ("it's 14 gibb st in oshawa", "it's <address> in oshawa"),
        ("one twenty three simcoe street north please", "<address> please"),
        ("fourteen oh five thornton road south", "<address>"),
        ("my address is 4-123 Main St. W in Whitby", "my address is <address> in Whitby"),
        ("we're at 55 regional road 57", "we're at <address>"),
        ("1234 highway 2 in bowmanville", "<address> in bowmanville"),
        ("call me at 905-555-1234", "call me at <number>"),
        ("call (905) 555 1234 or 1-800-555-0000", "call <number> or <number>"),
        ("my number is nine oh five five five five one two three four", "my number is <number>"),
        ("it's 9 0 5 5 5 5 1 2 3 4", "it's <number>"),
        ("my postal code is L1H 7K4", "my postal code is <postcode>"),
        ("postal code l one h seven k four", "postal code <postcode>"),
        ("email bob.jones+311@example.co.uk today", "email <email> today"),
        ("email me at john dot smith at gmail dot com", "email me at <email>"),
        ("my name is Anne-Marie O'Brien and I have", "my name is <name> and I have"),
        ("My name's Priya.", "My name's <name>."),
        ("hello, this is Dave Chen about my bin", "hello, this is <name> about my bin"),
        ("i'm Bob Jones calling about a pothole", "i'm <name> calling about a pothole"),
        ("it's sarah here, is the dump open", "it's <name> here, is the dump open"),
        ("can you call mrs henderson", "can you call mrs <name>"),
        ("Good morning, this is Raj Patel. Open?", "Good morning, this is <name>. Open?"),
        ("you can call me Sam", "you can call me <name>"),
        ("can someone call me back at 905-555-1234", "can someone call me back at <number>"),
    ],
)  # fmt: skip
def test_scrub_replaces_personal_details_with_placeholders(said: str, kept: str) -> None:
    streets = ("king street east", "gibb street", "simcoe street north", "thornton road south")
    assert scrub(said, streets=streets) == kept


@pytest.mark.parametrize(
    "said",
    [
        "when is garbage day",
        "oh one more thing, can i put out two or three bags",
        "this is ridiculous, where do i get a dog licence",
        "this is about my water bill",
        "this is garbage day right",
        "i'm just calling about a pothole",
        "im moving out next month",
        "is the library open on the long weekend",
    ],
)
def test_scrub_leaves_questions_without_personal_details_alone(said: str) -> None:
    assert scrub(said) == said


def test_the_gazetteer_finds_a_street_said_without_a_number(
    sample_streets: tuple[str, ...],
) -> None:
    scrubber = Scrubber(streets=sample_streets)
    assert scrubber("when is garbage day on king street east") == "when is garbage day on <address>"
    assert scrubber("is bayly st e in ajax") == "is <address> in ajax"
    assert (
        scrub("when is garbage day on king street east")
        == "when is garbage day on king street east"
    )
    # Without a gazetteer a house number and a street word still make an address.
    assert scrub("garbage day at 123 King Street East") == "garbage day at <address>"


def test_scrub_is_bounded_for_a_very_long_utterance() -> None:
    kept = scrub("where does this go " * 200 + "905-555-1234")
    assert len(kept) <= 500
    assert "905" not in kept


def test_wordings_group_by_topic_not_by_question_words() -> None:
    def close(a: str, b: str) -> float:
        return similar(topic(wording(a)), topic(wording(b)))

    assert wording("Um, where do I get a DOG licence, please?") == "where do i get a dog licence"
    assert close("can i get a dog licence", "where do i buy a dog license") >= 80
    assert close("where do i get a dog licence", "where do i get a fishing licence") < 80
    assert close("is the library open", "is the pool open") < 80
    assert close("bus", "bus schedule to toronto from oshawa") < 80


# ------------------------------------------------------------------------------ stores

StoreFactory = Callable[..., UnansweredStore]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A fresh database on the real server for this module, dropped afterwards."""
    with fresh_database("unanswered_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where the store keeps its rows: a file path, or a PostgreSQL URL (table emptied)."""
    if request.param == "sqlite":
        yield str(tmp_path / "unanswered.sqlite3")
        return
    url: str = request.getfixturevalue("postgres_url")
    yield url
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(b"DROP TABLE IF EXISTS unanswered_questions")


def open_store(where: str, **options: object) -> UnansweredStore:
    options.setdefault("keep_days", KEEP_DAYS)
    if where.startswith("postgresql://"):
        return PostgresUnansweredStore(where, **options)  # type: ignore[arg-type]
    return SqliteUnansweredStore(where, **options)  # type: ignore[arg-type]


@pytest.fixture
async def store(backend: str, sample_streets: tuple[str, ...]) -> AsyncIterator[UnansweredStore]:
    opened = open_store(backend, scrubber=Scrubber(streets=sample_streets))
    yield opened
    await opened.close()


def stored_text(where: str) -> str:
    """Everything the store holds, read past the store: every column of every row, and for
    SQLite the bytes of the database file and its write-ahead log as well."""
    if where.startswith("postgresql://"):
        with psycopg.connect(where) as conn:
            rows = conn.execute(b"SELECT * FROM unanswered_questions").fetchall()
        return "\n".join(" | ".join(map(str, row)) for row in rows)
    with sqlite3.connect(where) as db:
        rows = db.execute("SELECT * FROM unanswered_questions").fetchall()
    raw = b"".join(p.read_bytes() for p in Path(where).parent.glob(Path(where).name + "*"))
    return "\n".join(" | ".join(map(str, row)) for row in rows) + raw.decode("latin-1")


async def test_a_conversation_leaves_no_personal_details_in_the_store(
    store: UnansweredStore, backend: str
) -> None:
    for n, said in enumerate(CONVERSATION):
        await store.record(
            said, reason="fallback", intent="out_of_scope", when=NOW + timedelta(seconds=n)
        )
    kept = stored_text(backend).lower()
    assert "raccoons in my attic" in kept, "the question itself is kept"
    for detail in PERSONAL:
        assert detail not in kept, f"{detail!r} was stored"
    groups = await store.groups(NOW - timedelta(days=1))
    shown = " ".join(g.example + " " + " ".join(g.wordings) for g in groups).lower()
    assert "<address>" in shown and "<number>" in shown and "<email>" in shown
    assert "<name>" in shown and "<postcode>" in shown
    assert not [d for d in PERSONAL if d in shown]


async def test_record_returns_what_it_kept_and_keeps_nothing_of_only_details(
    store: UnansweredStore, backend: str
) -> None:
    kept = await store.record(
        "Is there a bat clinic at 123 King Street East?", reason="no_content", intent="faq",
        when=NOW,
    )  # fmt: skip
    assert kept == "Is there a bat clinic at <address>?"
    assert await store.record("905-555-1234", reason="fallback", intent=None, when=NOW) is None
    assert await store.record("um, L1H 7K4", reason="fallback", intent=None, when=NOW) is None
    assert await store.record("jo@example.org", reason="fallback", intent=None, when=NOW) is None
    groups = await store.groups(NOW - timedelta(hours=1))
    assert [(g.example, g.count, g.intents) for g in groups] == [(kept, 1, ("faq",))]
    assert "905" not in stored_text(backend)


async def test_questions_are_grouped_by_similar_wording_and_counted(
    store: UnansweredStore,
) -> None:
    asked = [
        ("where do i get a dog licence", "fallback", "out_of_scope", 0),
        ("Where do I get a dog licence?", "fallback", "out_of_scope", 1),
        ("can i buy a dog license", "fallback", "faq", 2),
        ("um where do i get a dog licence please", "no_content", "faq", 3),
        ("how do i pay a parking ticket", "fallback", "out_of_scope", 4),
        ("where do i pay my parking ticket", "fallback", "out_of_scope", 5),
        ("is the library open on sunday", "fallback", "out_of_scope", 6),
        ("where do i get a fishing licence", "fallback", "out_of_scope", 7),
    ]
    for said, reason, intent, minutes in asked:
        await store.record(
            said, reason=reason, intent=intent,  # type: ignore[arg-type]
            when=NOW + timedelta(minutes=minutes),
        )  # fmt: skip
    groups = await store.groups(NOW - timedelta(days=1))
    summary = [(g.count, g.wordings[0]) for g in groups]
    print("groups:", summary)
    assert summary == [
        (4, "where do i get a dog licence"),
        (2, "where do i pay my parking ticket"),  # of equals, the latest wording first
        (1, "where do i get a fishing licence"),
        (1, "is the library open on sunday"),
    ]
    dogs = groups[0]
    assert dogs.example == "um where do i get a dog licence please"  # the latest, as said
    assert dogs.last_seen == NOW + timedelta(minutes=3)
    assert set(dogs.wordings) == {"where do i get a dog licence", "can i buy a dog license"}
    assert dogs.reasons == ("fallback", "no_content")
    assert dogs.intents == ("faq", "out_of_scope")
    # Only what was asked since `since` is counted.
    later = await store.groups(NOW + timedelta(minutes=2))
    assert sum(g.count for g in later) == 6
    assert next(g.count for g in later if "dog" in g.example) == 2


async def test_old_questions_are_purged_and_record_purges_too(
    store: UnansweredStore, backend: str
) -> None:
    await store.record("is there a snake hotline", reason="fallback", intent=None, when=NOW)
    await store.record(
        "where do i recycle a boat", reason="fallback", intent=None, when=NOW + timedelta(days=10)
    )
    assert await store.purge(NOW + timedelta(days=KEEP_DAYS - 1)) == 0
    assert await store.purge(NOW + timedelta(days=KEEP_DAYS, hours=1)) == 1
    groups = await store.groups(NOW - timedelta(days=365))
    assert [g.example for g in groups] == ["where do i recycle a boat"]
    # Recording forty days on deletes the question asked thirty-odd days before it.
    await store.record(
        "can i burn leaves", reason="fallback", intent=None, when=NOW + timedelta(days=41)
    )
    groups = await store.groups(NOW - timedelta(days=365))
    assert [g.example for g in groups] == ["can i burn leaves"]
    assert "snake" not in stored_text(backend) and "boat" not in stored_text(backend)


async def test_rows_survive_a_reopen(backend: str) -> None:
    first = open_store(backend)
    await first.record("is there a bat hotline", reason="fallback", intent=None, when=NOW)
    await first.close()
    second = open_store(backend)
    try:
        groups = await second.groups(NOW - timedelta(days=1))
        assert [(g.example, g.count) for g in groups] == [("is there a bat hotline", 1)]
    finally:
        await second.close()


async def test_misuse_is_refused_with_a_clear_error_and_writes_nothing(
    store: UnansweredStore, backend: str
) -> None:
    with pytest.raises(UnansweredError, match="reason must be one of fallback, no_content"):
        await store.record("hello there", reason="nope", intent=None, when=NOW)  # type: ignore[arg-type]
    with pytest.raises(UnansweredError, match="timezone-aware"):
        await store.record("hello there", reason="fallback", intent=None, when=datetime(2026, 1, 1))
    with pytest.raises(UnansweredError, match="timezone-aware"):
        await store.groups(datetime(2026, 1, 1))
    assert await store.groups(NOW - timedelta(days=365)) == []
    with pytest.raises(UnansweredError, match="keep_days"):
        open_store(backend, keep_days=0)
    assert issubclass(UnansweredError, FulfillmentError)


async def test_an_intent_name_is_kept_only_when_it_looks_like_one(store: UnansweredStore) -> None:
    await store.record(
        "where is the snow dump", reason="no_content", intent="Call 905-555-1234", when=NOW
    )
    (group,) = await store.groups(NOW - timedelta(days=1))
    assert group.intents == ("unknown",)


async def test_a_closed_store_refuses_work(backend: str) -> None:
    closed = open_store(backend)
    await closed.close()
    with pytest.raises(UnansweredError, match="closed"):
        await closed.record("anything", reason="fallback", intent=None, when=NOW)
