"""The real Rasa 3.6.21 server, end to end: set up, trained on our nlu.yml, queried over HTTP.

The Rasa environment is cached outside the checkout (~/.cache/durham311), so only
the first run on a machine installs it. Training uses few epochs to keep CI short;
the benchmark trains with the full configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from nlu import rasa_server
from nlu.rasa_engine import RasaEngine
from skill.app import create_app
from skill.services import open_core
from skill.settings import Settings
from tests.conftest import HELD_OUT_FILE, ROOT, TRAINING_FILE, free_port

TEST_EPOCHS = 10
DURHAM311 = str(Path(sys.executable).parent / "durham311")


@pytest.fixture(scope="session")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = rasa_server.find_python310()
    if python is None:
        message = "NO PYTHON 3.10 FOUND: THE REAL RASA SERVER TESTS ARE SKIPPED"
        print(f"\n{'!' * len(message)}\n{message}\n{'!' * len(message)}", file=sys.stderr)
        pytest.skip(message)
    rasa = rasa_server.ensure_environment(home=rasa_server.default_home(), python=python)
    out = tmp_path_factory.mktemp("rasa-model")
    # trained through the CLI, as a municipality would train it
    command = [DURHAM311, "nlu", "train", "--engine", "rasa", "--epochs", str(TEST_EPOCHS)]
    command += ["--data", str(TRAINING_FILE), "--out", str(out)]
    trained = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert trained.returncode == 0, trained.stderr
    model = out / f"{rasa_server.MODEL_NAME}.tar.gz"
    assert f"-> {model}" in trained.stdout
    with rasa_server.RasaServer(rasa=rasa, model=model, port=free_port()) as server:
        yield server.url


async def test_the_rasa_engine_parses_through_the_server(rasa_url: str) -> None:
    engine = RasaEngine(url=rasa_url)
    result = await engine.parse("when is my garbage day")
    await engine.close()
    assert result.intent.name == "collection_day"
    assert result.intent_ranking and result.intent_ranking[0].name == "collection_day"


async def test_the_safety_layer_applies_to_rasa_too(rasa_url: str) -> None:
    engine = RasaEngine(url=rasa_url)
    assert (
        await engine.parse("the whole house smells like rotten eggs")
    ).intent.name == "emergency"
    await engine.close()


@pytest.fixture
async def service(
    rasa_url: str, model_dir: Path, tmp_path: Path
) -> AsyncIterator[TestClient[Any, Any]]:
    settings = Settings(
        model_dir=model_dir, content_db=tmp_path / "c.sqlite3", engine="rasa", rasa_url=rasa_url
    )
    core = open_core(settings)
    async with TestClient(
        TestServer(create_app(settings, core=core), host="127.0.0.1", port=free_port())
    ) as c:
        yield c
    await core.close()


async def test_model_parse_answers_through_rasa(
    service: TestClient[Any, Any], rasa_url: str
) -> None:
    text = "where does a pizza box go"
    ours = await (await service.post("/model/parse", json={"text": text})).json()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{rasa_url}/model/parse", json={"text": text}) as r,
    ):
        theirs = await r.json()
    assert ours["intent"]["name"] == theirs["intent"]["name"] == "waste_sorting"
    assert ours["intent"]["confidence"] == pytest.approx(theirs["intent"]["confidence"], abs=1e-4)


async def test_the_console_answers_through_rasa(service: TestClient[Any, Any]) -> None:
    turn = await (
        await service.post(
            "/console/turn", json={"session_id": "r", "text": "where does a pizza box go"}
        )
    ).json()
    assert turn["nlu"]["intent"]["name"] == "waste_sorting"
    assert "pizza boxes" in turn["reply"]["speech"]
    fire = await (
        await service.post(
            "/console/turn", json={"session_id": "r", "text": "there's a fire in my kitchen"}
        )
    ).json()
    assert "9-1-1" in fire["reply"]["speech"]


def test_evaluate_takes_the_rasa_engine(rasa_url: str, model_dir: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DURHAM311_RASA_URL": rasa_url,
        "DURHAM311_MODEL_DIR": str(model_dir),
        "DURHAM311_CONTENT_DB": str(tmp_path / "c.sqlite3"),
    }
    command = [DURHAM311, "nlu", "evaluate", str(HELD_OUT_FILE), "--engine", "rasa", "--json"]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["engine"] == "rasa" and report["examples"] >= 300 and report["accuracy"] > 0.5
