"""The queue view as it was: at a log position, or as of a (domain) time."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.projections import T0
from tests.support.strategies import run_steps, scripted_steps
from ticketing.aggregates.envelope import Actor
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.errors import InvalidCommandError
from ticketing.projections.catchup import catch_up
from ticketing.projections.digest import digest_tables
from ticketing.queries.as_of import queue_view_as_of
from ticketing.queries.history import get_history
from ticketing.queries.queues import QueueFilter
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration

ALL = QueueFilter(states=())
FIELDS = ("state", "queue", "group", "assignee", "priority", "hold_reason")


def test_at_a_position_it_is_what_a_runner_at_that_checkpoint_served(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(10))
    host = runtime.projections
    projection = host.projections["queue_view"]
    position = host.source.head() // 2
    runner_gen = host.start_or_resume_rebuild(projection)
    catch_up(host.source, projection, runner_gen, stop=position, batch_size=7)
    tables = projection.tables(runner_gen.table_prefix)
    with read_transaction(host.engine) as conn:
        served = digest_tables(conn, [tables.tickets], runner_gen.table_prefix)

    with queue_view_as_of(host.source, position=position) as past:
        digest = past.scratch.digest()
        page = past.page(ALL, sort="number", limit=500)

    assert digest == served
    assert page.position == position
    assert page.total == served.rows["tickets"]


def test_as_of_a_time_each_ticket_is_its_own_history_cut_at_that_time(
    runtime: Runtime, clock: SettableClock
) -> None:
    played = run_steps(runtime.service, clock, scripted_steps(10))
    host = runtime.projections
    when = T0 + (clock.now() - T0) / 2

    with queue_view_as_of(host.source, as_of=when) as past:
        items = {i.ticket_id: i for i in past.page(ALL, sort="number", limit=500).items}

    assert 0 < len(items) < len(played.opened)
    for ticket_id in played.opened:
        try:
            history = get_history(
                runtime.service, host.source, str(ticket_id), as_of=when
            )
        except Exception:
            assert ticket_id not in items
            continue
        item = items[ticket_id]
        assert {f: getattr(item, f) for f in FIELDS} == {
            f: history.state[f] for f in FIELDS
        }
        assert item.version == len(history.entries)


def test_as_of_a_time_includes_history_imported_later(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a ticket imported today that was opened (in the old system) at T0
    run_steps(runtime.service, clock, scripted_steps(3))
    importer = Actor(id="migration", role="importer", kind="import")
    opened_then = T0 + timedelta(seconds=30)
    runtime.service.execute(
        m.OpenTicket(
            type="incident", title="Old one", impact=3, urgency=3, requester_id="x"
        ),
        CommandContext(actor=importer, occurred_at=opened_then),
    )

    # when the queue is asked for as of a moment before anything live happened
    with queue_view_as_of(runtime.projections.source, as_of=opened_then) as past:
        items = past.page(ALL, limit=10).items
    with queue_view_as_of(
        runtime.projections.source, position=3, as_of=opened_then
    ) as before_import:
        nothing = before_import.page(ALL, limit=10).items

    # then the imported ticket was already there (domain time), and only it
    assert [i.title for i in items] == ["Old one"]
    assert nothing == []


def test_counts_as_of_a_position(runtime: Runtime, clock: SettableClock) -> None:
    run_steps(runtime.service, clock, scripted_steps(4))

    with queue_view_as_of(runtime.projections.source, position=1) as past:
        counts = past.counts(ALL)

    assert counts == [
        {"queue": None, "state": "new", "priority": counts[0]["priority"], "count": 1}
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "position"),
        ({"position": -1}, "position"),
        ({"position": 10_000}, "position"),
        ({"as_of": T0.replace(tzinfo=None)}, "as_of"),
    ],
)
def test_bad_points_in_time_are_refused(
    runtime: Runtime, clock: SettableClock, kwargs: dict[str, Any], field: str
) -> None:
    run_steps(runtime.service, clock, scripted_steps(1))

    with pytest.raises(InvalidCommandError) as err:
        queue_view_as_of(runtime.projections.source, **kwargs)

    assert field in err.value.details["fields"]
