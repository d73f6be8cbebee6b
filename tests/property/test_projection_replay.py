"""Replay determinism: incremental catch-up equals a fresh rebuild, on every backend.

For any command sequence, any batch size and any split points, catching up
piece by piece (stopping and resuming from the checkpoint) gives the same
digest as building from position 0 in scratch space and as a side-by-side
rebuild; and every event lands exactly once.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.databases import require_pg
from tests.support.projections import (
    T0,
    catch_up_all,
    fresh_database,
    fresh_digest,
    live_digest,
    rows,
    start_runtime,
)
from tests.support.strategies import Played, Step, command_sequences, run_steps
from ticketing.clock import SettableClock

batch_sizes = st.integers(min_value=1, max_value=25)
split_points = st.lists(st.integers(min_value=0, max_value=40), max_size=3)


def check_incremental_equals_fresh(
    kind: str, steps: list[Step], batch: int, splits: list[int]
) -> None:
    with fresh_database(kind) as url:
        clock = SettableClock(T0)
        runtime = start_runtime(url, clock)
        try:
            host = runtime.projections
            played = Played()
            previous = 0
            for cut in [*sorted({min(s, len(steps)) for s in splits}), len(steps)]:
                run_steps(runtime.service, clock, steps[previous:cut], played)
                catch_up_all(host, batch_size=batch)
                previous = cut
            head = host.source.head()

            for key, projection in host.projections.items():
                live = live_digest(host, key)
                assert live == fresh_digest(host, key), key
                host.rebuild(projection, batch_size=7)
                assert live_digest(host, key) == live, key

            assert len(rows(host, "queue_view")) == len(played.opened)
            positions = sorted(e["position"] for e in rows(host, "audit_trail"))
            assert positions == list(range(1, head + 1))
        finally:
            runtime.close()


@pytest.mark.property
@settings(max_examples=25, deadline=None)
@given(steps=command_sequences(min_size=8), batch=batch_sizes, splits=split_points)
def test_incremental_catch_up_equals_fresh_rebuild_in_memory(
    steps: list[Step], batch: int, splits: list[int]
) -> None:
    check_incremental_equals_fresh("memory", steps, batch, splits)


@pytest.mark.property
@pytest.mark.integration
@settings(max_examples=12, deadline=None)
@given(steps=command_sequences(min_size=8), batch=batch_sizes, splits=split_points)
def test_incremental_catch_up_equals_fresh_rebuild_on_sqlite(
    steps: list[Step], batch: int, splits: list[int]
) -> None:
    check_incremental_equals_fresh("sqlite", steps, batch, splits)


@pytest.fixture
def _pg_available() -> None:
    require_pg()


@pytest.mark.property
@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.usefixtures("_pg_available")
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=command_sequences(min_size=8), batch=batch_sizes, splits=split_points)
def test_incremental_catch_up_equals_fresh_rebuild_on_postgres(
    steps: list[Step], batch: int, splits: list[int]
) -> None:
    check_incremental_equals_fresh("postgres", steps, batch, splits)
