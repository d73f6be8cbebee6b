"""Snapshots of long tickets: loading through one equals folding every event."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast
from uuid import UUID

import pytest

from tests.support.service import AS_AGENT, T0, TickingClock, opened
from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.commands import messages as m
from ticketing.errors import ConfigurationError, NoChangeError
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import settings_from_env

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.aggregates.vocabulary import LinkKind

pytestmark = pytest.mark.integration


@pytest.fixture
def env_runtime(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """A runtime configured the way an operator does it: from the environment."""
    monkeypatch.setenv("TICKETING_DB_URL", db_url)
    monkeypatch.setenv("TICKETING_SNAPSHOT_INTERVAL", "4")
    runtime = build_runtime(settings_from_env(), clock=TickingClock(T0))
    try:
        yield runtime
    finally:
        runtime.close()


def long_ticket(runtime: Runtime) -> UUID:
    """A ticket with 14 events: tags, links, a hold, an escalation, a reopen."""
    tid = opened(runtime, tags=("vip", "printer"))
    others = [opened(runtime, type="problem") for _ in range(2)]
    for command in (
        m.RouteTicket(ticket_id=tid, queue="printing"),
        m.AssignTicket(ticket_id=tid, agent_id="zoe"),
        m.LinkTickets(ticket_id=tid, kind="problem", target_id=others[0]),
        m.LinkTickets(ticket_id=tid, kind="parent", target_id=others[1]),
        m.TagTicket(ticket_id=tid, tag="floor-3"),
        m.PutOnHold(ticket_id=tid, reason="awaiting_caller"),
        m.ResumeTicket(ticket_id=tid),
        m.EscalateTicket(ticket_id=tid, reason="slow"),
        m.ResolveTicket(ticket_id=tid, resolution_code="fixed"),
        m.ReopenTicket(ticket_id=tid, reason="back"),
        m.AddComment(ticket_id=tid, body="looking again"),
        m.UntagTicket(ticket_id=tid, tag="printer"),
        m.ChangePriority(ticket_id=tid, priority_override="P1", reason="VIP"),
    ):
        runtime.service.execute(command, AS_AGENT)
    return tid


def fold(runtime: Runtime, tid: UUID, upto: int | None = None) -> Ticket:
    ticket: Ticket | None = None
    for event in runtime.app.repository.event_store.get(tid, lte=upto):
        assert isinstance(event, TicketEvent)
        ticket = cast("Ticket | None", event.mutate(ticket))
    assert ticket is not None
    return ticket


def test_snapshots_are_taken_every_interval(env_runtime: Runtime) -> None:
    tid = long_ticket(env_runtime)

    assert env_runtime.app.snapshots is not None
    snapshots = list(env_runtime.app.snapshots.get(tid))
    assert [s.originator_version for s in snapshots] == [4, 8, 12]
    assert env_runtime.service.load(tid).version == 14


def test_loading_through_a_snapshot_equals_folding_the_events(
    env_runtime: Runtime,
) -> None:
    tid = long_ticket(env_runtime)
    assert env_runtime.app.snapshots is not None
    (latest,) = env_runtime.app.snapshots.get(tid, desc=True, limit=1)

    # explicitly: the snapshot, then the events after it
    assert isinstance(latest, Ticket.Snapshot)
    from_snapshot = latest.mutate(None)
    for event in env_runtime.app.repository.event_store.get(
        tid, gt=latest.originator_version
    ):
        assert isinstance(event, TicketEvent)
        from_snapshot = cast("Ticket", event.mutate(from_snapshot))

    folded = fold(env_runtime, tid)
    assert from_snapshot == folded
    assert env_runtime.service.load(tid) == folded
    assert folded.tags == ("floor-3", "vip")
    assert isinstance(from_snapshot.links, tuple)
    assert all(isinstance(link, tuple) for link in from_snapshot.links)
    assert len(from_snapshot.links) == 2


def test_every_past_version_loads_like_a_fold(env_runtime: Runtime) -> None:
    tid = long_ticket(env_runtime)

    for version in range(1, 15):
        loaded = env_runtime.service.load(tid, version=version)
        assert loaded == fold(env_runtime, tid, version), version


def test_a_ticket_restored_from_a_snapshot_keeps_deciding_correctly(
    env_runtime: Runtime,
) -> None:
    tid = long_ticket(env_runtime)
    kind, target = env_runtime.service.load(tid).links[0]

    # set membership on restored tuples: the same link again is no change
    with pytest.raises(NoChangeError):
        env_runtime.service.execute(
            m.LinkTickets(
                ticket_id=tid, kind=cast("LinkKind", kind), target_id=UUID(target)
            ),
            AS_AGENT,
        )
    result = env_runtime.service.execute(
        m.UntagTicket(ticket_id=tid, tag="vip"), AS_AGENT
    )
    assert result.version == 15


def test_interval_zero_disables_snapshots(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETING_DB_URL", db_url)
    monkeypatch.setenv("TICKETING_SNAPSHOT_INTERVAL", "0")
    runtime = build_runtime(settings_from_env(), clock=TickingClock(T0))
    try:
        tid = long_ticket(runtime)
        assert runtime.app.snapshots is None
        assert runtime.service.load(tid) == fold(runtime, tid)
    finally:
        runtime.close()


@pytest.mark.parametrize("value", ["-1", "ten", "1.5"])
def test_a_bad_interval_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TICKETING_SNAPSHOT_INTERVAL", value)

    with pytest.raises(ConfigurationError) as err:
        settings_from_env()

    assert "TICKETING_SNAPSHOT_INTERVAL" in err.value.message
