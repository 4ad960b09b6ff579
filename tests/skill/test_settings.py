from pathlib import Path

import pytest

from skill.errors import SettingsError
from skill.settings import Settings


def test_defaults_are_the_embedded_setup() -> None:
    settings = Settings.load({})
    assert settings.engine == "spacy" and settings.redis_url is None
    assert settings.host == "127.0.0.1"


def test_file_then_environment(tmp_path: Path) -> None:
    file = tmp_path / "durham311.toml"
    file.write_text('port = 9000\nalexa_skill_ids = ["a", "b"]\nredis_url = "redis://x"\n')
    settings = Settings.load({"DURHAM311_PORT": "9100"}, file)
    assert settings.port == 9100
    assert settings.alexa_skill_ids == ("a", "b")
    assert settings.redis_url == "redis://x"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DURHAM311_PORT": "eighty"}, "port"),
        ({"DURHAM311_PORT": "70000"}, "port"),
        ({"DURHAM311_ENGINE": "watson"}, "engine"),
        ({"DURHAM311_TIMEZONE": "Mars/Olympus"}, "timezone"),
        ({"DURHAM311_NLU_THRESHOLD": "2"}, "nlu_threshold"),
        ({"DURHAM311_SETTINGS": "/nonexistent.toml"}, "cannot read"),
        ({"DURHAM311_ALEXA_VERIFY_SIGNATURE": "flase"}, "alexa_verify_signature must be true"),
    ],
)
def test_bad_settings_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.load(environ)


@pytest.mark.parametrize(("raw", "value"), [("false", False), ("0", False), (" Off ", False),
                                            ("true", True), ("YES", True)])  # fmt: skip
def test_yes_and_no_settings(raw: str, value: bool) -> None:
    assert Settings.load({"DURHAM311_ALEXA_VERIFY_SIGNATURE": raw}).alexa_verify_signature is value


def test_unknown_keys_in_the_file_are_refused(tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text("prot = 1\n")
    with pytest.raises(SettingsError, match="unknown setting 'prot'"):
        Settings.load({}, file)
