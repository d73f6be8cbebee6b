"""Builders for command-script lines in tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
AGENT = {"id": "alice", "role": "agent", "kind": "import"}


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def open_line(key: str, minutes: float = 0, **args: Any) -> dict[str, Any]:
    base = {
        "type": "incident",
        "title": f"ticket {key}",
        "impact": 2,
        "urgency": 2,
        "requester_id": "bob",
    }
    return {
        "at": at(minutes),
        "actor": AGENT,
        "command": "open_ticket",
        "key": key,
        "args": {**base, **args},
    }


def line(ticket: str, command: str, minutes: float, **args: Any) -> dict[str, Any]:
    return {
        "at": at(minutes),
        "actor": AGENT,
        "command": command,
        "ticket": ticket,
        "args": args,
    }


def jsonl(*lines: dict[str, Any] | str) -> list[str]:
    return [x if isinstance(x, str) else json.dumps(x) for x in lines]
