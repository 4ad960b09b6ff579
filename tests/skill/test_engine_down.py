"""With engine = "rasa" and the Rasa server unreachable, residents are still kept safe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from skill.app import create_app
from skill.services import open_core
from skill.settings import Settings
from tests.conftest import free_port


@pytest.fixture
async def rasa_down(model_dir: Path, tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    settings = Settings(
        model_dir=model_dir,
        content_db=tmp_path / "content.sqlite3",
        engine="rasa",
        rasa_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
    )
    core = open_core(settings)
    server = TestServer(create_app(settings, core=core), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        yield client
    await core.close()


async def test_model_parse_says_the_engine_is_unavailable(rasa_down: TestClient[Any, Any]) -> None:
    resp = await rasa_down.post("/model/parse", json={"text": "when is garbage day"})
    assert resp.status == 503
    assert "not ready" in (await resp.json())["error"]


async def test_an_emergency_is_still_heard(rasa_down: TestClient[Any, Any]) -> None:
    resp = await rasa_down.post(
        "/console/turn", json={"session_id": "s", "text": "there's a fire in my kitchen"}
    )
    assert resp.status == 200
    reply = (await resp.json())["reply"]
    assert "9-1-1" in reply["speech"] and reply["end_session"] is True


async def test_other_turns_get_a_spoken_apology(rasa_down: TestClient[Any, Any]) -> None:
    resp = await rasa_down.post(
        "/console/turn", json={"session_id": "s", "text": "where does a pizza box go"}
    )
    assert resp.status == 200
    reply = (await resp.json())["reply"]
    assert "trouble" in reply["speech"] and reply["end_session"] is False
