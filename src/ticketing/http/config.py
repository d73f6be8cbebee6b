"""HTTP settings: limits and timeouts, from the environment, read once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

from ticketing.errors import ConfigurationError

ENV_PROJECTIONS: Final = "TICKETING_HTTP_PROJECTIONS"
ENV_AUTOMATION: Final = "TICKETING_HTTP_AUTOMATION"


def _number(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}")
    return value


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """Bounds of the HTTP layer (bytes and seconds)."""

    #: Largest accepted request body; the largest valid command is about 250 KB
    #: (20,000 characters of text, JSON-escaped as surrogate pairs).
    max_body_bytes: int = 512 * 1024
    #: Longest a query waits for a projection to reach ``min_position``.
    max_wait_seconds: float = 5.0
    #: How often a query re-checks the projection's checkpoint while waiting.
    wait_poll_seconds: float = 0.02
    #: Heartbeat comment interval on an idle event stream.
    sse_heartbeat_seconds: float = 15.0
    #: A stream closes after this long; clients reconnect with Last-Event-ID.
    sse_max_seconds: float = 300.0
    #: How often the log watcher re-reads the head without a wake-up.
    watch_poll_seconds: float = 1.0

    @classmethod
    def from_env(cls) -> HttpConfig:
        return cls(
            max_body_bytes=int(
                _number("TICKETING_HTTP_MAX_BODY", 512 * 1024, 1024, 64 * 1024**2)
            ),
            max_wait_seconds=_number("TICKETING_HTTP_MAX_WAIT", 5.0, 0.0, 60.0),
            sse_heartbeat_seconds=_number("TICKETING_SSE_HEARTBEAT", 15.0, 0.1, 600.0),
            sse_max_seconds=_number("TICKETING_SSE_MAX_SECONDS", 300.0, 0.1, 86400.0),
        )


def projections_flag(default: bool) -> bool:
    """Whether this worker runs the projection runners (env override)."""
    return _flag(ENV_PROJECTIONS, default)


def automation_flag(default: bool) -> bool:
    """Whether this worker runs rules automation and SLA escalation (env override)."""
    return _flag(ENV_AUTOMATION, default)


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise ConfigurationError(f"{name} must be 1 or 0, got {raw!r}")
