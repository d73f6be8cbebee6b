"""Settings from the environment (and CLI overrides), read once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from ticketing.errors import ConfigurationError
from ticketing.policies.priority import DEFAULT_MATRIX_VERSION

DEFAULT_DB_FILE: Final = "ticketing.db"
DEFAULT_SNAPSHOT_INTERVAL: Final = 50


def normalise_db_url(value: str) -> str:
    """Accept a SQLAlchemy URL, a postgres:// URL or a plain SQLite file path."""
    value = value.strip()
    if not value:
        raise ConfigurationError("the database URL is empty")
    if value.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg2://" + value.split("://", 1)[1]
    if value.startswith("postgresql+psycopg2://"):
        return value
    if value.startswith("sqlite://"):
        return value
    if "://" in value:
        raise ConfigurationError(
            f"unsupported database URL {value!r}: use sqlite:///FILE, "
            "a file path, or postgresql://USER@HOST/DB",
            {"db_url": value},
        )
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _int_env(name: str, default: int, low: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < low:
        raise ConfigurationError(f"{name} must be at least {low}, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a process needs to know to wire itself up."""

    db_url: str
    snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL
    priority_matrix_version: str = DEFAULT_MATRIX_VERSION

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    def with_db(self, db_url: str | None) -> Settings:
        return (
            self if db_url is None else replace(self, db_url=normalise_db_url(db_url))
        )


def settings_from_env() -> Settings:
    return Settings(
        db_url=normalise_db_url(os.environ.get("TICKETING_DB_URL") or DEFAULT_DB_FILE),
        snapshot_interval=_int_env(
            "TICKETING_SNAPSHOT_INTERVAL", DEFAULT_SNAPSHOT_INTERVAL, 0
        ),
        priority_matrix_version=os.environ.get(
            "TICKETING_PRIORITY_MATRIX", DEFAULT_MATRIX_VERSION
        ),
    )
