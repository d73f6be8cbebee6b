"""Shared builders for the rules unit tests: a clock, facts, the demo directory.

Named uniquely (not ``conftest``) so tests can import it by module name.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any

from ticketing.rules import Directory, TicketFacts, facts_from_mapping, parse_directory
from ticketing.rules.loader import DATA_DIR

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DEMO_DIRECTORY = DATA_DIR / "directories" / "demo.toml"

BASE_FACTS: dict[str, Any] = {
    "type": "incident",
    "title": "Outlook crashes when opening attachments",
    "description": "Since this morning Outlook crashes on every PDF.",
    "requester_id": "u-100",
    "impact": 2,
    "urgency": 2,
    "priority": "P3",
    "opened_at": NOW - timedelta(hours=1),
}


def demo_directory() -> Directory:
    raw = tomllib.loads(DEMO_DIRECTORY.read_text("utf-8"))
    return parse_directory(raw, str(DEMO_DIRECTORY))


def build_facts(**overrides: object) -> TicketFacts:
    return facts_from_mapping({**BASE_FACTS, **overrides})
