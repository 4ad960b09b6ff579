"""One settings object, read once from the environment and an optional TOML file.

Defaults give the embedded setup: SQLite content, in-memory sessions, the spaCy
engine, no other services. Every other module receives what it needs through
its constructor; nothing else reads the environment.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skill.errors import SettingsError

ENV_PREFIX = "DURHAM311_"
ENGINES = ("spacy", "rasa")


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8311
    model_dir: Path = Path("var/models/nlu")
    content_db: Path = Path("var/content.sqlite3")
    engine: str = "spacy"
    nlu_threshold: float = 0.35
    session_ttl: int = 600
    rasa_url: str = "http://127.0.0.1:5005"
    redis_url: str | None = None
    timezone: str = "America/Toronto"
    alexa_skill_ids: tuple[str, ...] = ()
    alexa_max_request_age: int = 150
    # Amazon requires it of a skill's web service; off only to post test envelopes by hand.
    alexa_verify_signature: bool = True
    google_webhook_token: str | None = field(default=None, repr=False)
    max_text_chars: int = 1000
    log_level: str = "INFO"

    @classmethod
    def load(cls, environ: Mapping[str, str], file: Path | None = None) -> Settings:
        """Defaults, then the TOML file (if any, or DURHAM311_SETTINGS), then the environment."""
        values: dict[str, Any] = {}
        file = file or (
            Path(environ[f"{ENV_PREFIX}SETTINGS"]) if f"{ENV_PREFIX}SETTINGS" in environ else None
        )
        if file is not None:
            values.update(_read_toml(file))
        for f in fields(cls):
            key = ENV_PREFIX + f.name.upper()
            if key in environ:
                values[f.name] = environ[key]
        return cls().with_values(values)

    def with_values(self, values: Mapping[str, Any]) -> Settings:
        known = {f.name: f for f in fields(self)}
        converted: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in known:
                raise SettingsError(f"unknown setting {name!r}")
            converted[name] = _convert(name, getattr(self, name), raw)
        settings = replace(self, **converted)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.engine not in ENGINES:
            raise SettingsError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if not 0 < self.port < 65536:
            raise SettingsError(f"port must be 1-65535, not {self.port}")
        if not 0.0 <= self.nlu_threshold < 1.0:
            raise SettingsError("nlu_threshold must be at least 0 and below 1")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"unknown timezone {self.timezone!r}") from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from exc


def _convert(name: str, default: Any, raw: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else _boolean(name, raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(str(raw))
        if isinstance(default, tuple):
            items = raw if isinstance(raw, list) else str(raw).split(",")
            return tuple(str(i).strip() for i in items if str(i).strip())
        return None if raw in ("", None) else str(raw)
    except ValueError:
        raise SettingsError(f"setting {name} has a bad value {raw!r}") from None


def _boolean(name: str, raw: Any) -> bool:
    """Only plain yes and no: a typo must not quietly turn off a check such as signatures."""
    word = str(raw).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"setting {name} must be true or false, not {raw!r}")
