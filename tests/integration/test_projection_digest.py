"""Digests are fingerprints of content: the same history gives the same digest
on SQLite and on PostgreSQL, whatever the generation or batch size."""

from __future__ import annotations

import pytest

from tests.support.projections import (
    T0,
    catch_up_all,
    fresh_digest,
    live_digest,
    rows,
    start_runtime,
)
from tests.support.strategies import run_steps, scripted_steps
from ticketing.clock import SettableClock

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

KEYS = ("queue_view", "audit_trail")


def digests_after_history(url: str, batch_size: int) -> dict[str, object]:
    clock = SettableClock(T0)
    runtime = start_runtime(url, clock)
    try:
        run_steps(runtime.service, clock, scripted_steps(12), id_prefix="same")
        catch_up_all(runtime.projections, batch_size=batch_size)
        host = runtime.projections
        out: dict[str, object] = {k: live_digest(host, k) for k in KEYS}
        out["fresh"] = {k: fresh_digest(host, k) for k in KEYS}
        out["rows"] = {k: len(rows(host, k)) for k in KEYS}
        return out
    finally:
        runtime.close()


def test_the_same_history_has_the_same_digest_on_sqlite_and_postgres(
    sqlite_url: str, pg_url: str
) -> None:
    on_sqlite = digests_after_history(sqlite_url, batch_size=1000)
    on_postgres = digests_after_history(pg_url, batch_size=3)

    assert on_sqlite == on_postgres
    assert on_sqlite["fresh"] == {k: on_sqlite[k] for k in KEYS}
