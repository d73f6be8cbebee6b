"""Rebuild determinism of the SLA projection, and what-if side by side.

A seeded history of 80 tickets (some still open at the end), with a stricter
policy activated to take effect half-way, projected on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.sla_desk import STRICT_P1, Desk, candidate, desk_runtime, utc
from tests.support.sla_history import HistorySpec, write_history
from ticketing.projections.catchup import catch_up
from ticketing.projections.verify import verify_projection
from ticketing.sla.reading import live_projection
from ticketing.sla.whatif import run_whatif

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.integration

SPEC = HistorySpec(
    tickets=80,
    seed=11,
    start=utc("2026-03-02 07:00"),
    days=10,
    horizon=utc("2026-03-13 12:00"),
)


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> Iterator[Desk]:
    runtime, clock = desk_runtime(db_url, utc("2026-03-01 12:00"))
    d = Desk(runtime, clock)
    strict = candidate(tmp_path, "strict-v2", STRICT_P1)
    d.activate(utc("2026-03-01 12:00"), strict, utc("2026-03-06 00:00"))
    write_history(runtime.app, SPEC)
    clock.set(utc("2026-03-13 12:00"))
    yield d
    runtime.close()


def test_the_rebuilt_projection_has_the_same_digest_whatever_the_batches(
    desk: Desk,
) -> None:
    host = desk.runtime.projections
    projection = live_projection(host)
    live = host.ensure_active(projection)
    while catch_up(host.source, projection, live, batch_size=7):
        live = host.ensure_active(projection)
    _, first = host.live_digest(projection)

    host.rebuild(projection)
    _, rebuilt = host.live_digest(projection)
    host.rebuild(projection, batch_size=50)
    _, again = host.live_digest(projection)

    assert first.rows["clocks"] == 160  # 80 tickets x (response, resolution)
    assert first == rebuilt == again
    assert verify_projection(host, projection).matches


def test_the_activation_judges_tickets_opened_after_it_takes_effect(
    desk: Desk,
) -> None:
    desk.project()
    host = desk.runtime.projections
    with host.engine.connect() as conn:
        view = host.active_view(conn, "sla")
        t = view.tables.tickets.c
        rows = conn.execute(
            view.tables.tickets.select().with_only_columns(
                t.opened_at, t.policy_version
            )
        ).all()

    effective = utc("2026-03-06 00:00")
    assert {v for o, v in rows if o < effective} == {"default-v1"}
    assert {v for o, v in rows if o >= effective} == {"strict-v2"}


def test_a_whatif_reports_flips_and_never_changes_the_live_digest(
    desk: Desk, tmp_path: Path
) -> None:
    desk.project()
    host = desk.runtime.projections
    projection = live_projection(host)
    before = host.live_digest(projection)
    lax = candidate(
        tmp_path,
        "lax-v3",
        {
            'response = { within = "4h", calendar = "nl-office-v1" }': (
                'response = { within = "8h", calendar = "nl-office-v1" }'
            )
        },
    )

    result = run_whatif(host, lax, desk.clock.now(), ("all", "priority"))

    assert host.live_digest(projection) == before
    assert result.position == before[0]
    assert result.flips, "a 2x laxer P3 response target must flip some clocks"
    for flip in result.flips:
        assert flip.old is not None
        assert flip.new is not None
        assert flip.old.outcome != flip.new.outcome
        assert flip.new.policy_version == "lax-v3"
    assert {(f.metric, f.new.priority if f.new else None) for f in result.flips} == {
        ("response", "P3")
    }
    assert all(f.new and f.new.target_seconds == 8 * 3600 for f in result.flips)
    assert all(f.old and f.old.target_seconds == 4 * 3600 for f in result.flips)
    old_all = {r.metric: r for r in result.old.compliance if r.dimension == "all"}
    new_all = {r.metric: r for r in result.new.compliance if r.dimension == "all"}
    assert new_all["response"].met > old_all["response"].met
    assert new_all["response"].total == old_all["response"].total
