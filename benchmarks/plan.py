"""How big each measure runs: ``--tiny`` (tests), ``--quick`` (< 2 min), ``--full``.

The sizes live here, in one place, so the report can print exactly what a
mode measured and a reader can tell a quick figure from a full one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

DEFAULT_PG_URL: Final = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def pg_url_from_env() -> str:
    url = (
        os.environ.get("TICKETING_BENCH_PG_URL")
        or os.environ.get("TICKETING_TEST_PG_URL")
        or DEFAULT_PG_URL
    )
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


@dataclass(frozen=True, slots=True)
class Plan:
    """Sizes of every measure for one mode."""

    mode: str
    # (a) commands, one per transaction; and bulk append
    command_tickets: int  # x5 commands per round
    bulk_tickets: int  # x5 events per round
    rounds: int
    # (b) imports
    import_events: int  # size of the exported log re-imported by `import events`
    import_demo_tickets: int  # demo tickets run through the command-script runner
    # (c) rebuild of every projection
    rebuild_events: int
    # (d) history latency
    history_sizes: tuple[int, ...]
    history_samples: int
    # (e) HTTP
    http_workers: tuple[int, ...]
    http_seconds: int
    http_tickets: int
    # (f)/(g) scale curve, per backend (tickets)
    scale_sqlite: tuple[int, ...]
    scale_postgres: tuple[int, ...]
    query_samples: int
    sla_report_samples: int
    scale_projections: tuple[str, ...] = ("queue_view", "sla")

    def scales(self, backend: str) -> tuple[int, ...]:
        return self.scale_sqlite if backend == "sqlite" else self.scale_postgres


TINY = Plan(
    mode="tiny",
    command_tickets=3,
    bulk_tickets=40,
    rounds=1,
    import_events=300,
    import_demo_tickets=5,
    rebuild_events=500,
    history_sizes=(10, 100),
    history_samples=5,
    http_workers=(1,),
    http_seconds=1,
    http_tickets=20,
    scale_sqlite=(20, 50),
    scale_postgres=(20, 50),
    query_samples=5,
    sla_report_samples=2,
)

QUICK = Plan(
    mode="quick",
    command_tickets=15,
    bulk_tickets=300,
    rounds=1,
    import_events=3_000,
    import_demo_tickets=20,
    rebuild_events=5_000,
    history_sizes=(10, 100, 1000),
    history_samples=12,
    http_workers=(1,),
    http_seconds=2,
    http_tickets=50,
    scale_sqlite=(200, 1_000),
    scale_postgres=(200, 1_000),
    query_samples=20,
    sla_report_samples=20,
)

FULL = Plan(
    mode="full",
    command_tickets=100,
    bulk_tickets=2_000,
    rounds=3,
    import_events=100_000,
    import_demo_tickets=500,
    rebuild_events=100_000,
    history_sizes=(10, 100, 1000),
    history_samples=100,
    http_workers=(1, 2, 4),
    http_seconds=8,
    http_tickets=500,
    scale_sqlite=(10_000, 100_000, 1_000_000),
    scale_postgres=(10_000, 100_000),
    query_samples=100,
    # the report reads the SLA projection's aggregates: as cheap as the others
    sla_report_samples=100,
)

PLANS: Final = {p.mode: p for p in (TINY, QUICK, FULL)}
