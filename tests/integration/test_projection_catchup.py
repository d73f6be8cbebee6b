"""Pull-based catch-up: batches, exactly-once checkpoints, holes, racing runners."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select, update

from tests.support.projections import catch_up_all, fresh_digest, live_digest, rows
from tests.support.strategies import run_steps, scripted_steps
from ticketing.errors import CheckpointMovedError
from ticketing.projections import registry
from ticketing.projections.catchup import BatchDone, catch_up
from ticketing.queries.status import projection_status
from ticketing.store.datastore import read_transaction, write_transaction

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.projections.manage import ProjectionHost
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def generation(host: ProjectionHost, key: str) -> registry.Generation:
    with read_transaction(host.engine) as conn:
        gen = registry.get_active(conn, key)
    assert gen is not None
    return gen


def count_rows(host: ProjectionHost, key: str) -> int:
    return len(rows(host, key))


def test_catch_up_commits_batches_and_moves_the_checkpoint_to_the_head(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(10))
    host = runtime.projections
    projection = host.projections["audit_trail"]
    gen = host.ensure_active(projection)
    head = host.source.head()
    batches: list[BatchDone] = []

    applied = catch_up(
        host.source, projection, gen, batch_size=16, on_batch=batches.append
    )

    assert applied == head
    assert [b.position for b in batches][-1] == head
    assert all(b.events <= 16 for b in batches)
    assert len(batches) == -(-head // 16)
    after = generation(host, "audit_trail")
    assert (after.position, after.events_processed) == (head, head)
    assert count_rows(host, "audit_trail") == head


def test_catch_up_stops_at_the_given_position_and_resumes_from_the_checkpoint(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(8))
    host = runtime.projections
    projection = host.projections["queue_view"]
    head = host.source.head()

    first = catch_up(
        host.source, projection, host.ensure_active(projection), stop=head // 2
    )
    second = catch_up(host.source, projection, generation(host, "queue_view"))

    assert first + second == head
    assert generation(host, "queue_view").position == head
    assert live_digest(host, "queue_view") == fresh_digest(host, "queue_view")


def test_a_stale_checkpoint_is_refused_and_writes_no_rows(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a generation another runner has already moved past position 0
    run_steps(runtime.service, clock, scripted_steps(5))
    host = runtime.projections
    projection = host.projections["audit_trail"]
    stale = host.ensure_active(projection)
    catch_up(host.source, projection, stale)
    run_steps(runtime.service, clock, scripted_steps(3, seed=1))
    before = count_rows(host, "audit_trail")

    # when a runner still holding the old checkpoint tries its batch
    with pytest.raises(CheckpointMovedError) as err:
        catch_up(host.source, projection, stale, batch_size=5)

    # then its batch was rolled back whole
    assert err.value.code == "checkpoint_moved"
    assert count_rows(host, "audit_trail") == before
    assert generation(host, "audit_trail").events_processed == before


def test_two_runners_racing_on_one_generation_apply_every_event_once(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a backlog and two runners on the same generation without any lock
    run_steps(runtime.service, clock, scripted_steps(40))
    host = runtime.projections
    head = host.source.head()
    errors: list[BaseException] = []
    moved = [0]

    def runner() -> None:
        try:
            for key in ("queue_view", "audit_trail"):
                projection = host.projections[key]
                while generation(host, key).position < head:
                    try:
                        catch_up(
                            host.source, projection, generation(host, key), batch_size=7
                        )
                    except CheckpointMovedError:
                        moved[0] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)

    for projection in host.projections.values():
        host.ensure_active(projection)

    # when both catch up at once
    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # then only compare-and-set losses happened, and every event landed once
    assert errors == []
    audit = generation(host, "audit_trail")
    assert (audit.position, audit.events_processed) == (head, head)
    assert count_rows(host, "audit_trail") == head
    assert generation(host, "queue_view").events_processed == head
    assert live_digest(host, "queue_view") == fresh_digest(host, "queue_view")


def test_holes_in_positions_are_neither_waited_for_nor_counted(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a log whose last events sit 100 positions further on (a hole)
    run_steps(runtime.service, clock, scripted_steps(4))
    host = runtime.projections
    events = runtime.recorder.table
    count = host.source.head()
    with write_transaction(host.engine) as conn:
        conn.execute(
            update(events).where(events.c.id > count - 3).values(id=events.c.id + 100)
        )
    run_steps(runtime.service, clock, scripted_steps(1, seed=3))
    head = host.source.head()
    with read_transaction(host.engine) as conn:
        total = conn.execute(select(func.count()).select_from(events)).scalar_one()
    assert head > total  # the hole is real

    # when catching up, and when asking for the lag before and after
    host.ensure_all_active()
    status_before = {s.key: s for s in projection_status(host, clock.now())}
    catch_up_all(host, batch_size=4)
    status_after = {s.key: s for s in projection_status(host, clock.now())}

    # then lag and progress count events, never positions
    assert status_before["audit_trail"].lag_events == total
    assert status_after["audit_trail"].lag_events == 0
    audit = generation(host, "audit_trail")
    assert (audit.position, audit.events_processed) == (head, total)
    assert count_rows(host, "audit_trail") == total


def test_appends_after_a_hole_continue_above_the_head(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a log whose every position moved up by 50 (a hole at 1..50)
    run_steps(runtime.service, clock, scripted_steps(1))
    host = runtime.projections
    count = host.source.head()
    events = runtime.recorder.table
    with write_transaction(host.engine) as conn:
        conn.execute(update(events).values(id=events.c.id + 50))

    # when more events are appended
    run_steps(runtime.service, clock, scripted_steps(1, seed=9))

    # then they take max + 1 onwards: nothing ever lands inside the hole
    with read_transaction(host.engine) as conn:
        ids = list(conn.execute(select(events.c.id).order_by(events.c.id)).scalars())
    assert ids == list(range(51, 51 + len(ids)))
    assert len(ids) > count
