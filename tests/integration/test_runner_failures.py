"""A failing handler or a corrupt event stops one projection; nothing is skipped."""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from tests.support.projections import fresh_digest, live_digest, rows
from tests.support.strategies import Step, run_steps, scripted_steps
from ticketing.aggregates.ticket import Ticket
from ticketing.projections.catalogue import default_projections
from ticketing.projections.catchup import catch_up
from ticketing.projections.manage import ProjectionHost
from ticketing.projections.queue_view import QueueTables, QueueView
from ticketing.projections.runner import ProjectionRunner
from ticketing.projections.wakeup import LocalWakeup
from ticketing.queries.status import ProjectionStatus, projection_status
from ticketing.store.datastore import read_transaction, write_transaction

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Connection

    from ticketing.clock import SettableClock
    from ticketing.projections.base import LogEvent
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


class ExplodingView(QueueView):
    """A queue view whose handler raises on tickets titled 'Kaboom' while armed."""

    key = "exploding_view"
    armed: ClassVar[bool] = True

    def apply(
        self, conn: Connection, tables: QueueTables, events: Sequence[LogEvent]
    ) -> None:
        for log in events:
            if (
                self.armed
                and isinstance(log.event, Ticket.Opened)
                and log.event.title == "Kaboom"
            ):
                msg = f"cannot handle ticket {log.event.number}"
                raise ValueError(msg)
        super().apply(conn, tables, events)


def host_with(runtime: Runtime, *extra: Any) -> ProjectionHost:
    projections = default_projections()
    for projection in extra:
        projections[projection.key] = projection
    return ProjectionHost(runtime.projections.source, projections, runtime.clock)


def statuses(host: ProjectionHost, clock: SettableClock) -> dict[str, ProjectionStatus]:
    return {
        s.key: s for s in projection_status(host, clock.now()) if s.status == "active"
    }


def kaboom() -> Step:
    args = {"type": "incident", "title": "Kaboom", "impact": 1, "urgency": 1}
    return Step("open_ticket", {**args, "requester_id": "dave"})


def position_of_kaboom(runtime: Runtime) -> int:
    t = runtime.recorder.table
    with read_transaction(runtime.engine) as conn:
        ids = conn.execute(select(t.c.id, t.c.topic).order_by(t.c.id)).all()
    opened = [i for i, topic in ids if topic.endswith("Ticket.Opened")]
    return int(opened[3])  # the 4th ticket opened below is the Kaboom one


def test_a_failing_handler_stops_only_its_projection_at_the_failing_event(
    runtime: Runtime, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    # given a history whose 4th ticket the exploding view cannot handle
    played = run_steps(runtime.service, clock, scripted_steps(3))
    run_steps(runtime.service, clock, [kaboom()], played)
    run_steps(runtime.service, clock, scripted_steps(3, seed=2), played)
    host = host_with(runtime, ExplodingView())
    runner = ProjectionRunner(host, list(host.projections.values()), LocalWakeup())
    failing = position_of_kaboom(runtime)

    # when the runner catches up
    with caplog.at_level(logging.ERROR, logger="ticketing.projections.runner"):
        runner.run_once()
    runner.close()

    # then the exploding view stopped right before the failing event, and says why
    head = host.source.head()
    status = statuses(host, clock)
    broken = status["exploding_view"]
    assert broken.runner == "failed"
    assert broken.checkpoint == failing - 1
    assert broken.error is not None
    assert broken.error["position"] == failing
    assert broken.error["topic"].endswith("Ticket.Opened")
    assert f"position {failing}" in broken.error["message"]
    assert "cannot handle ticket INC0000004" in broken.error["message"]
    assert f"of ticket {played.opened[3]} v1" in broken.error["message"]
    assert any(f"position {failing}" in r.getMessage() for r in caplog.records)
    # and the other projections went on to the head
    assert status["queue_view"].checkpoint == head
    assert status["audit_trail"].checkpoint == head
    assert status["queue_view"].error is None


def test_a_failed_projection_never_skips_the_event_and_resumes_once_fixed(
    runtime: Runtime, clock: SettableClock
) -> None:
    played = run_steps(runtime.service, clock, scripted_steps(3))
    run_steps(runtime.service, clock, [kaboom()], played)
    exploding = ExplodingView()
    host = host_with(runtime, exploding)
    runner = ProjectionRunner(host, [exploding], LocalWakeup())
    runner.run_once()
    failing = position_of_kaboom(runtime)

    # when more events arrive and the (still broken) runner runs again
    run_steps(runtime.service, clock, scripted_steps(2, seed=4), played)
    runner.run_once()
    runner.close()
    assert statuses(host, clock)["exploding_view"].checkpoint == failing - 1

    # and when the handler is fixed and a fresh runner starts
    ExplodingView.armed = False
    try:
        fixed = ProjectionRunner(host, [exploding], LocalWakeup(), heartbeat_seconds=0)
        fixed.run_once()
        fixed.close()
        rebuilt = fresh_digest(host, "exploding_view")
    finally:
        ExplodingView.armed = True

    # then it processes the event it stopped at, and the error is cleared
    status = statuses(host, clock)["exploding_view"]
    assert status.checkpoint == host.source.head()
    assert status.error is None
    numbers = {r["number"] for r in rows(host, "exploding_view")}
    assert len(numbers) == len(played.opened)
    assert live_digest(host, "exploding_view") == rebuilt


CORRUPTIONS = {
    "unknown event type": ("ticketing.aggregates.ticket:Ticket.Vanished", b"{}"),
    "broken JSON": ("ticketing.aggregates.ticket:Ticket.CommentAdded", b'{"body": '),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_corrupt_event_is_reported_by_every_projection_and_not_skipped(
    runtime: Runtime, clock: SettableClock, corruption: str
) -> None:
    # given a row written straight into the log (the hash chain breaks: fine here)
    played = run_steps(runtime.service, clock, scripted_steps(3))
    topic, state = CORRUPTIONS[corruption]
    bad = runtime.projections.source.head() + 1
    with write_transaction(runtime.engine) as conn:
        conn.execute(
            insert(runtime.recorder.table).values(
                id=bad,
                originator_id=uuid.uuid4(),
                originator_version=1,
                topic=topic,
                state=state,
                recorded_at=clock.now().isoformat(),
                prev_hash="0" * 64,
                hash="f" * 64,
            )
        )
    run_steps(runtime.service, clock, scripted_steps(2, seed=6), played)
    host = runtime.projections
    runner = ProjectionRunner(host, list(host.projections.values()), LocalWakeup())

    # when the runner catches up
    runner.run_once()
    runner.close()

    # then both projections stop right before it, naming its position and type
    status = statuses(host, clock)
    for key in ("queue_view", "audit_trail"):
        assert status[key].runner == "failed"
        assert status[key].checkpoint == bad - 1
        assert status[key].lag_events > 1
        error = status[key].error
        assert error is not None
        assert (error["position"], error["topic"]) == (bad, topic)
        assert "cannot decode" in error["message"]
    assert len(rows(host, "audit_trail")) == bad - 1


class DisconnectingView(QueueView):
    """A queue view whose database connection drops once, in the middle of a batch."""

    key = "disconnecting_view"
    drops: ClassVar[int] = 1

    def apply(
        self, conn: Connection, tables: QueueTables, events: Sequence[LogEvent]
    ) -> None:
        if DisconnectingView.drops:
            DisconnectingView.drops -= 1
            raise OperationalError("UPDATE ...", None, ConnectionError("reset"))
        super().apply(conn, tables, events)


def test_a_connection_lost_inside_a_handler_is_an_interruption_not_a_failure(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a projection whose first batch loses its connection
    run_steps(runtime.service, clock, scripted_steps(3))
    DisconnectingView.drops = 1
    view = DisconnectingView()
    host = host_with(runtime, view)
    gen = host.ensure_active(view)

    # when it catches up directly: the error is the connection's, nothing written
    with pytest.raises(OperationalError):
        catch_up(host.source, view, gen)
    assert rows(host, "disconnecting_view") == []

    # and when a runner meets the same: it retries by itself and reports it
    DisconnectingView.drops = 1
    runner = ProjectionRunner(host, [view], LocalWakeup(), poll_seconds=0.01)
    thread = runner.start_thread()
    deadline = time.monotonic() + 20
    while statuses(host, clock)["disconnecting_view"].lag_events:
        assert time.monotonic() < deadline, "did not recover"
        time.sleep(0.02)
    runner.stop.set()
    thread.join(timeout=10)

    status = statuses(host, clock)["disconnecting_view"]
    assert status.error is None
    assert status.interruptions == 1
    assert status.last_interruption is not None
    assert "reset" in status.last_interruption["message"]
    assert live_digest(host, "disconnecting_view") == fresh_digest(
        host, "disconnecting_view"
    )
