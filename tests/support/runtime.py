"""A Runtime on a fresh SQLite file with a settable clock, for service-level tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ticketing.aggregates.envelope import Actor
from ticketing.clock import SettableClock
from ticketing.commands.service import CommandContext
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT_CTX = CommandContext(actor=Actor(id="alice", role="agent", kind="human"))
ADMIN_CTX = CommandContext(actor=Actor(id="root", role="admin", kind="human"))


def sqlite_runtime(
    tmp_path: Path, start: datetime = START
) -> tuple[Runtime, SettableClock]:
    clock = SettableClock(start)
    runtime = build_runtime(Settings(db_url=f"sqlite:///{tmp_path / 'rt.db'}"), clock)
    return runtime, clock
