"""Shared reading and checking of versioned policy files (TOML package data).

Every helper raises ``PolicyError.at(file, field, reason)``; callers build their
frozen policy objects only after every check passed, so nothing is half-loaded.
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, cast

from ticketing.errors import PolicyError

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from pathlib import Path

_DURATION: Final = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?")


def read_versioned_file(directory: Path, version: str, kind: str) -> dict[str, Any]:
    """Decode ``<directory>/<version>.toml``; its ``version`` must equal the name."""
    path = directory / f"{version}.toml"
    if not path.is_file():
        raise PolicyError.at(str(path), "version", f"no {kind} {version!r}")
    raw = read_toml(path)
    if raw.get("version") != version:
        reason = f"file declares {raw.get('version')!r}, expected {version!r}"
        raise PolicyError.at(str(path), "version", reason)
    return raw


def read_toml(path: Path) -> dict[str, Any]:
    """Decode one TOML file; syntax errors become a PolicyError naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError.at(str(path), "(file)", f"not valid TOML: {exc}") from exc


def check_keys(
    raw: Mapping[str, Any], allowed: Collection[str], source: str, where: str = ""
) -> None:
    """Reject unknown keys, so that a typo never silently falls back to a default."""
    for key in raw:
        if key not in allowed:
            field = f"{where}.{key}" if where else key
            raise PolicyError.at(
                source, field, f"unknown key; allowed: {sorted(allowed)}"
            )


def require_table(
    raw: Mapping[str, Any], key: str, source: str, field: str
) -> dict[str, Any]:
    """``raw[key]``, which must be a table; ``field`` names it in errors."""
    value = raw.get(key)
    if not isinstance(value, dict):
        raise PolicyError.at(source, field, "a table is required")
    return cast("dict[str, Any]", value)


def require_text(raw: Mapping[str, Any], key: str, source: str, field: str) -> str:
    """``raw[key]``, which must be a non-blank string; ``field`` names it in errors."""
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PolicyError.at(source, field, "a non-empty string is required")
    return value


def optional_text(raw: Mapping[str, Any], key: str, source: str) -> str:
    """``raw[key]`` if present (a string is required), else ``""``."""
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise PolicyError.at(source, key, "a string is required")
    return value


def parse_duration(text: object, source: str, field: str) -> timedelta:
    """``"15m"``, ``"4h"`` or ``"1h30m"`` -> a positive timedelta.

    Days are deliberately not accepted: a "day" of business time is ambiguous.
    """
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or not any(match.groups()):
        reason = f"{text!r} is not a duration like '15m', '4h' or '1h30m'"
        raise PolicyError.at(source, field, reason)
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    duration = timedelta(hours=hours, minutes=minutes)
    if duration <= timedelta(0):
        raise PolicyError.at(source, field, "the duration must be positive")
    return duration


def format_duration(duration: timedelta) -> str:
    """The inverse of ``parse_duration`` for whole minutes; seconds shown if any."""
    sign = "-" if duration < timedelta(0) else ""
    total = abs(duration)
    minutes, seconds = divmod(total.days * 86400 + total.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    if seconds or total.microseconds:
        text += f"{seconds + total.microseconds / 1_000_000:g}s"
    return sign + (text or "0m")
