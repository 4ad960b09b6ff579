import asyncio

import pytest

from fulfillment.errors import SessionStoreError
from fulfillment.redis_sessions import RedisSessionStore
from fulfillment.sessions import DialogState, InMemorySessionStore
from fulfillment.types import Turn, TurnKind
from skill.services import Core


async def test_memory_sessions_expire_after_their_ttl() -> None:
    now = [0.0]
    store = InMemorySessionStore(ttl_seconds=10, clock=lambda: now[0])
    await store.save("a", DialogState(slots={"address": "42 king street"}))
    assert (await store.load("a")).slots == {"address": "42 king street"}
    now[0] = 11.0
    assert (await store.load("a")).slots == {}
    assert len(store) == 0


async def test_memory_sessions_are_bounded() -> None:
    store = InMemorySessionStore(max_sessions=2)
    for name in "abc":
        await store.save(name, DialogState(turns=1))
    assert len(store) == 2
    assert (await store.load("a")).turns == 0  # the oldest went first


async def test_redis_sessions_round_trip_and_expire(redis_url: str) -> None:
    store = RedisSessionStore(url=redis_url, ttl_seconds=1)
    assert await store.ping()
    state = DialogState(pending_intent="collection_day", pending_slot="address", turns=3)
    await store.save("session-1", state)
    assert await store.load("session-1") == state
    await asyncio.sleep(2.1)
    assert await store.load("session-1") == DialogState()
    await store.save("session-2", state)
    await store.drop("session-2")
    assert await store.load("session-2") == DialogState()
    await store.close()


async def test_an_unreachable_redis_is_a_clear_error() -> None:
    store = RedisSessionStore(url="redis://127.0.0.1:1/0")
    with pytest.raises(SessionStoreError, match="cannot read session state"):
        await store.load("x")
    await store.close()


def test_unreadable_state_is_dropped_not_fatal() -> None:
    assert DialogState.from_json("{not json") == DialogState()
    assert DialogState.from_json('{"unknown": 1}') == DialogState()


async def test_session_end_forgets_the_conversation(core: Core) -> None:
    await core.dialog.handle(Turn(platform="test", session_id="s", text="when is my garbage day"))
    assert (await core.sessions.load("s")).pending_slot == "address"
    await core.dialog.handle(Turn(platform="test", session_id="s", kind=TurnKind.SESSION_END))
    assert await core.sessions.load("s") == DialogState()


async def test_platform_resolved_intents_skip_our_nlu(core: Core) -> None:
    result = await core.dialog.handle(
        Turn(
            platform="alexa",
            session_id="p",
            intent="waste_sorting",
            entities={"waste_item": "pizza box"},
        )
    )
    assert result.parse is not None and result.parse.intent.name == "waste_sorting"
    assert "green bin" in result.reply.speech
