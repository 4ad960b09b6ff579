"""Shared fixtures: a model trained once per run, real services on free loopback ports."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from knowledge_base import ContentStore, KnowledgeBase
from nlu import training_data
from nlu.entities import Gazetteers
from nlu.spacy_engine import SpacyEngine, train
from skill.app import create_app
from skill.services import Core, open_core
from skill.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TRAINING_FILE = ROOT / "nlu" / "data" / "nlu.yml"
DEV_FILE = ROOT / "nlu" / "data" / "dev_nlu.yml"  # never trained on; for error analysis
HELD_OUT_FILE = ROOT / "tests" / "data" / "heldout_nlu.yml"  # written apart from both
TORONTO = ZoneInfo("America/Toronto")
# The machine's real PostgreSQL (trust auth); tests make their own databases on it.
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
# A fixed "now" for tests that depend on the date: Monday 23 November 2026, 10 a.m.
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=TORONTO)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, sample_kb: KnowledgeBase) -> Path:
    """Trained once from the project's own training data; training is part of what is tested."""
    out = tmp_path_factory.mktemp("model")
    train(
        training_data.load(TRAINING_FILE), out=out, gazetteers=Gazetteers(**sample_kb.gazetteers())
    )
    return out


@pytest.fixture(scope="session")
def sample_kb() -> KnowledgeBase:
    store = ContentStore(":memory:")
    store.seed()
    revision, content = store.published()
    store.close()
    return KnowledgeBase(content, revision=revision)


@pytest.fixture(scope="session")
def engine(model_dir: Path, sample_kb: KnowledgeBase) -> SpacyEngine:
    return SpacyEngine(model_dir=model_dir, gazetteers=Gazetteers(**sample_kb.gazetteers()))


@pytest.fixture
def settings(model_dir: Path, tmp_path: Path) -> Settings:
    # Envelopes in tests are unsigned; tests/skill/test_alexa_signature.py signs its own.
    return Settings(
        model_dir=model_dir,
        content_db=tmp_path / "content.sqlite3",
        requests_db=tmp_path / "requests.sqlite3",
        outbox_db=tmp_path / "outbox.sqlite3",
        unanswered_db=tmp_path / "unanswered.sqlite3",
        alexa_verify_signature=False,
    )


@pytest.fixture
async def core(settings: Settings) -> AsyncIterator[Core]:
    opened = open_core(settings, clock=lambda: MONDAY_MORNING)
    yield opened
    await opened.close()


@pytest.fixture
async def client(settings: Settings, core: Core) -> AsyncIterator[TestClient[object, object]]:
    """The real app on a real loopback socket."""
    server = TestServer(create_app(settings, core=core), host="127.0.0.1", port=free_port())
    async with TestClient(server) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server of our own on a free port, never the shared 6379."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; the Redis session tests need a real server")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start within 10 s")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new, randomly named database on the machine's real PostgreSQL, dropped after."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
