"""The demo: deterministic per seed, idempotent, written through the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ticketing.demo.run import run_demo
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration
TICKETS = 40


def log_of(url: str, seed: int) -> list[tuple[object, ...]]:
    """Run the demo on a fresh store; the log without store time and hashes."""
    runtime = build_runtime(Settings(db_url=url))
    try:
        summary = run_demo(runtime.service, tickets=TICKETS, seed=seed)
        assert summary.report.ok
        records = runtime.recorder.select_records(None, 100_000)
    finally:
        runtime.close()
    return [
        (r.id, r.originator_id, r.originator_version, r.topic, r.state) for r in records
    ]


def test_same_seed_gives_the_same_events(tmp_path: Path) -> None:
    first = log_of(f"sqlite:///{tmp_path / 'a.db'}", seed=7)
    second = log_of(f"sqlite:///{tmp_path / 'b.db'}", seed=7)

    assert len(first) > TICKETS * 4
    assert first == second


def test_another_seed_gives_another_history(tmp_path: Path) -> None:
    first = log_of(f"sqlite:///{tmp_path / 'a.db'}", seed=7)
    other = log_of(f"sqlite:///{tmp_path / 'b.db'}", seed=8)

    assert first != other


def test_running_the_demo_again_adds_nothing(runtime: Runtime) -> None:
    first = run_demo(runtime.service, tickets=TICKETS, seed=3)
    head = runtime.recorder.max_notification_id()

    again = run_demo(runtime.service, tickets=TICKETS, seed=3)

    assert first.report.events == head
    assert first.report.count("imported") == TICKETS
    assert (again.report.events, again.report.count("unchanged")) == (0, TICKETS)
    assert runtime.recorder.max_notification_id() == head
    assert again.states == first.states
