"""Helpers for projection tests: runtimes on a given URL, digests, fresh databases."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.databases import create_pg_schema, drop_pg_schema
from ticketing.clock import SettableClock
from ticketing.projections.catchup import catch_up
from ticketing.projections.digest import canonical_rows
from ticketing.projections.manage import build_scratch
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.projections.base import Projection
    from ticketing.projections.manage import ProjectionHost

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BACKENDS = ("memory", "sqlite", "postgres")


def start_runtime(url: str, clock: SettableClock | None = None) -> Runtime:
    """A runtime whose service, store time and projection host share one clock.

    With a settable clock, ``recorded_at`` is deterministic too, so the same
    commands give the same log (and the same digests) on every backend.
    """
    clock = clock or SettableClock(T0)
    runtime = build_runtime(Settings(db_url=url), clock=clock)
    runtime.recorder.wall_clock = clock
    runtime.projections.clock = clock
    return runtime


@contextlib.contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A new empty database URL of ``kind`` (memory, sqlite or postgres)."""
    if kind == "memory":
        yield "sqlite:///:memory:"
    elif kind == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'events.db'}"
    else:
        schema, url = create_pg_schema()
        try:
            yield url
        finally:
            drop_pg_schema(schema)


def catch_up_all(host: ProjectionHost, batch_size: int = 1000) -> int:
    """Catch every projection's active generation up to the head."""
    total = 0
    for projection in host.projections.values():
        gen = host.ensure_active(projection)
        total += catch_up(host.source, projection, gen, batch_size=batch_size)
    return total


def live_digest(host: ProjectionHost, key: str) -> str:
    return host.live_digest(host.projections[key])[1].sha256


def fresh_digest(host: ProjectionHost, key: str, stop: int | None = None) -> str:
    """The digest of a from-scratch build of ``key`` (in memory) up to ``stop``."""
    scratch = build_scratch(host.source, host.projections[key], stop=stop)
    try:
        return scratch.digest().sha256
    finally:
        scratch.close()


def rows(host: ProjectionHost, key: str, table: int = 0) -> list[dict[str, Any]]:
    """Every row of the active generation's ``table``-th table, in key order."""
    with read_transaction(host.engine) as conn:
        view = host.active_view(conn, key)
        projection: Projection[Any] = view.projection
        chosen = projection.all_tables(view.tables)[table]
        return list(canonical_rows(conn, chosen))
