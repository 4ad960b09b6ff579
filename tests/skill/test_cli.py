"""The `durham311` command as a developer runs it: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import HELD_OUT_FILE, ROOT, free_port

# The installed entry point, exactly as the README runs it.
CLI = [str(Path(sys.executable).parent / "durham311")]


def run(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, **kwargs
    )  # type: ignore[call-overload, no-any-return]


@pytest.fixture
def env(model_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DURHAM311_MODEL_DIR": str(model_dir),
        "DURHAM311_CONTENT_DB": str(tmp_path / "content.sqlite3"),
    }


@pytest.mark.parametrize(
    "args",
    [[], ["serve"], ["console"], ["nlu"], ["nlu", "train"], ["nlu", "parse"], ["nlu", "evaluate"],
     ["content", "check"]],
)  # fmt: skip
def test_every_command_explains_itself(env: dict[str, str], args: list[str]) -> None:
    result = run([*args, "--help"], env)
    assert result.returncode == 0
    assert "usage: durham311" in result.stdout and len(result.stdout.splitlines()) > 3


def test_nlu_parse_prints_rasa_json(env: dict[str, str]) -> None:
    result = run(["nlu", "parse", "when is my garbage day"], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"]["name"] == "collection_day"


def test_nlu_evaluate_reports_scores(env: dict[str, str]) -> None:
    text = run(["nlu", "evaluate", str(HELD_OUT_FILE)], env)
    assert text.returncode == 0, text.stderr
    assert "intent accuracy" in text.stdout and "emergency recall" in text.stdout
    assert "precision" in text.stdout and "recall" in text.stdout
    report = json.loads(run(["nlu", "evaluate", str(HELD_OUT_FILE), "--json"], env).stdout)
    assert 0.0 < report["accuracy"] <= 1.0
    assert set(report["intents"]["emergency"]) == {"precision", "recall", "f1", "support"}


def test_nlu_train_writes_a_model(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["nlu", "train", "--out", str(tmp_path / "m")], env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "m" / "meta.json").is_file()
    assert "trained 19 intents" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nlu", "train", "--data", "/nonexistent.yml", "--out", "/tmp/x"], "cannot read"),
        # refused before Rasa's environment is touched: no install, no minutes of waiting
        (["nlu", "train", "--engine", "rasa", "--data", "/nonexistent.yml"], "cannot read"),
        (["nlu", "train", "--epochs", "3", "--out", "/tmp/x"], "--epochs is for the rasa engine"),
        (["nlu", "train", "--engine", "rasa", "--epochs", "0"], "epochs must be at least 1"),
        (["nlu", "evaluate", "/nonexistent.yml"], "cannot read"),
        (["content", "check", "/nonexistent.yaml"], "cannot read"),
    ],
)
def test_bad_files_get_one_clear_line(env: dict[str, str], args: list[str], message: str) -> None:
    result = run(args, env)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_model_says_how_to_train(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["nlu", "parse", "hello"], {**env, "DURHAM311_MODEL_DIR": str(tmp_path / "none")})
    assert result.returncode == 2 and "durham311 nlu train" in result.stderr


def test_bad_settings_are_named(env: dict[str, str]) -> None:
    result = run(["nlu", "parse", "hi"], {**env, "DURHAM311_PORT": "eighty"})
    assert result.returncode == 2 and "port" in result.stderr


def test_content_check_validates_the_sample(env: dict[str, str]) -> None:
    result = run(["content", "check", str(ROOT / "knowledge_base" / "sample" / "durham.yaml")], env)
    assert result.returncode == 0 and "valid" in result.stdout


def test_console_answers_the_three_promised_cases(env: dict[str, str]) -> None:
    said = "there's a fire in my kitchen\nwhere does a pizza box go\nplay some music\n"
    result = run(["console"], env, input=said)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("9-1-1" in line for line in lines)
    assert any("green bin" in line for line in lines)
    assert any("can't help" in line for line in lines)
    assert any("[emergency" in line for line in lines)  # the second line: intent and entities
    assert any("ms" in line and "waste_item='pizza box'" in line for line in lines)


def test_console_script_passes_and_fails_loudly(env: dict[str, str], tmp_path: Path) -> None:
    good = ROOT / "tests" / "conversations" / "emergency_first.yaml"
    assert run(["console", "--script", str(good)], env).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("turns:\n  - say: play some music\n    intent: waste_sorting\n")
    result = run(["console", "--script", str(bad)], env)
    assert result.returncode == 1
    assert "expected intent 'waste_sorting', got 'out_of_scope'" in result.stdout
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("turns: []\n")
    result = run(["console", "--script", str(malformed)], env)
    assert result.returncode == 2 and "non-empty `turns`" in result.stderr


def test_serve_starts_and_answers_model_parse(env: dict[str, str]) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert f"listening on http://127.0.0.1:{port}" in proc.stdout.readline()
        body = _wait_for(
            f"http://127.0.0.1:{port}/model/parse", b'{"text":"when is my garbage day"}'
        )
        assert json.loads(body)["intent"]["name"] == "collection_day"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_for(url: str, data: bytes) -> bytes:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=5) as resp:
                return bytes(resp.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
