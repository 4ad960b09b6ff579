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
OPEN311_FORMATS = ("json", "xml")


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
    # Service requests. Without open311_url the embedded backend (mounted at /open311/v2/)
    # takes them, kept in requests_db, or in PostgreSQL when database_url is set.
    requests_db: Path = Path("var/requests.sqlite3")
    outbox_db: Path = Path("var/outbox.sqlite3")
    database_url: str | None = field(default=None, repr=False)
    open311_url: str | None = None  # a municipality's GeoReport v2 base URL, ending in /
    open311_api_key: str | None = field(default=None, repr=False)
    open311_jurisdiction_id: str | None = None
    open311_format: str = "json"  # what we ask an external endpoint for: json or xml
    open311_timeout: float = 5.0
    # Keys the embedded backend accepts on POST (none: it takes reports only in-process).
    open311_api_keys: tuple[str, ...] = field(default=(), repr=False)
    # Delivery from the outbox: retries back off from base to max delay, with jitter; the
    # resident waits at most report_wait seconds for the backend before hearing our reference.
    outbox_base_delay: float = 1.0
    outbox_max_delay: float = 300.0
    report_wait: float = 1.5
    # What residents asked that had no answer, scrubbed of personal details, for staff;
    # kept this many days (in PostgreSQL when database_url is set).
    unanswered_db: Path = Path("var/unanswered.sqlite3")
    unanswered_keep_days: int = 30
    # A worker that dies mid-send holds its entries this long before another resends them.
    outbox_lease: float = 30.0
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
        if self.open311_format not in OPEN311_FORMATS:
            raise SettingsError(f"open311_format must be json or xml, not {self.open311_format!r}")
        if not 0 <= self.outbox_base_delay <= self.outbox_max_delay:
            raise SettingsError("outbox_base_delay must be at least 0 and at most outbox_max_delay")
        if not 0 <= self.report_wait <= 10:
            raise SettingsError("report_wait must be between 0 and 10 seconds")
        if not 1 <= self.unanswered_keep_days <= 3650:
            raise SettingsError("unanswered_keep_days must be from 1 to 3650")
        if self.outbox_lease <= self.open311_timeout:
            raise SettingsError("outbox_lease must be longer than open311_timeout")
        if not 0 < self.open311_timeout <= 120:
            raise SettingsError("open311_timeout must be above 0 and at most 120 seconds")
        if self.open311_url is not None and not self.open311_url.startswith(
            ("http://", "https://")
        ):
            raise SettingsError(f"open311_url must be an http(s) URL, not {self.open311_url!r}")
        if self.database_url is not None and not self.database_url.startswith(
            ("postgresql://", "postgres://")
        ):
            raise SettingsError("database_url must be a postgresql:// URL")
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
