"""The live SLA projection, end to end through the command service.

Figures are hand-computed. default-v1: P1 15m/4h and P3 4h/30h; P3 counts in
nl-office-v1, Mon-Fri 08:00-18:00 Amsterdam = 07:00-17:00 UTC in March 2026.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from tests.support.sla_desk import (
    ADMIN,
    STRICT_P1,
    Desk,
    candidate,
    desk_runtime,
    utc,
)
from ticketing.commands.admin_messages import ActivatePolicy
from ticketing.commands.service import CommandContext
from ticketing.errors import InvalidCommandError, PolicyError
from ticketing.queries.sla_evidence import ticket_evidence
from ticketing.sla.reading import active_view
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from uuid import UUID

pytestmark = pytest.mark.integration

HOUR = 3600.0


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    runtime, clock = desk_runtime(db_url)
    yield Desk(runtime, clock)
    runtime.close()


def clocks(desk: Desk, ticket: UUID) -> dict[tuple[str, int], dict[str, Any]]:
    desk.project()
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        c = view.tables.clocks
        rows = conn.execute(select(c).where(c.c.ticket_id == ticket)).all()
    return {(r.metric, r.sequence): dict(r._mapping) for r in rows}


def ticket_row(desk: Desk, ticket: UUID) -> dict[str, Any]:
    desk.project()
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        t = view.tables.tickets
        row = conn.execute(select(t).where(t.c.ticket_id == ticket)).one()
    return dict(row._mapping)


def test_p3_incident_with_hold_is_measured_in_office_hours(desk: Desk) -> None:
    # given the documented example: reply after 1h30m, on hold overnight
    ticket = desk.open(utc("2026-03-02 08:00"), "P3")
    desk.route(utc("2026-03-02 08:05"), ticket, "network", "net-l2")
    desk.reply(utc("2026-03-02 09:30"), ticket)
    desk.hold(utc("2026-03-02 13:00"), ticket)
    desk.resume(utc("2026-03-03 09:00"), ticket)
    desk.resolve(utc("2026-03-03 15:00"), ticket)
    desk.close(utc("2026-03-04 08:00"), ticket)

    # when projected
    rows = clocks(desk, ticket)

    # then both clocks are met, with the hand-computed elapsed times
    response, resolution = rows["response", 1], rows["resolution", 1]
    assert (response["state"], response["elapsed_seconds"]) == ("met", 1.5 * HOUR)
    assert response["stopped_at"] == utc("2026-03-02 09:30")
    assert (resolution["state"], resolution["elapsed_seconds"]) == ("met", 11 * HOUR)
    assert resolution["target_seconds"] == 30 * HOUR
    assert resolution["calendar_version"] == "nl-office-v1"
    assert resolution["stopped_at"] == utc("2026-03-04 08:00")
    assert resolution["resolved_at"] == utc("2026-03-03 15:00")
    assert resolution["due_at"] is None
    assert resolution["next_due_at"] is None
    kinds = [t[0] for t in json.loads(resolution["transitions"])]
    assert kinds == ["started", "paused", "resumed", "paused", "stopped"]
    assert ticket_row(desk, ticket)["queue"] == "network"


def test_every_transition_cites_its_event_by_global_position(desk: Desk) -> None:
    ticket = desk.open(utc("2026-03-02 08:00"), "P3")
    desk.hold(utc("2026-03-02 13:00"), ticket)
    desk.resume(utc("2026-03-03 09:00"), ticket)

    rows = clocks(desk, ticket)

    records = desk.runtime.recorder.select_aggregate_records(ticket)
    by_position = {r.id: r for r in records}
    for kind, at, _, _, position, version, event_type in json.loads(
        rows["resolution", 1]["transitions"]
    ):
        record = by_position[position]
        assert record.originator_version == version
        assert record.topic.endswith(f"Ticket.{event_type}")
        assert kind in {"started", "paused", "resumed"}
        assert at.startswith("2026-03-0")


def test_a_running_clock_stores_due_and_threshold_instants(desk: Desk) -> None:
    ticket = desk.open(utc("2026-03-02 10:00"), "P1")

    rows = clocks(desk, ticket)

    response, resolution = rows["response", 1], rows["resolution", 1]
    assert response["state"] == "running"
    assert response["due_at"] == utc("2026-03-02 10:15")
    assert response["warn_at"] == utc("2026-03-02 10:11:15")
    assert response["next_due_at"] == utc("2026-03-02 10:11:15")
    assert resolution["due_at"] == utc("2026-03-02 14:00")
    assert resolution["next_due_at"] == utc("2026-03-02 13:00")
    assert json.loads(resolution["timers"]) == [
        [75, 1, "2026-03-02T13:00:00+00:00"],
        [100, 2, "2026-03-02T14:00:00+00:00"],
    ]
    assert resolution["armed_at"] == utc("2026-03-02 10:00")


def test_a_raised_priority_breaches_retroactively_and_is_due_at_once(
    desk: Desk,
) -> None:
    # given a P4 left alone for 5 hours, then raised to P1 (4h, 24x7)
    ticket = desk.open(utc("2026-03-02 08:00"), "P4")
    desk.prioritise(utc("2026-03-02 13:00"), ticket, "P1")

    rows = clocks(desk, ticket)

    resolution = rows["resolution", 1]
    assert resolution["priority"] == "P1"
    assert resolution["state"] == "running"
    assert resolution["breached_at"] == utc("2026-03-02 12:00")
    assert resolution["due_at"] == utc("2026-03-02 12:00")
    # thresholds passed before the change was recorded fire from the change on
    assert resolution["next_due_at"] == utc("2026-03-02 13:00")
    kinds = [t[0] for t in json.loads(resolution["transitions"])]
    assert kinds == ["started", "target_changed"]


def test_a_canceled_ticket_cancels_both_clocks(desk: Desk) -> None:
    ticket = desk.open(utc("2026-03-02 08:00"), "P3")
    desk.cancel(utc("2026-03-02 09:00"), ticket)

    rows = clocks(desk, ticket)

    assert {k: r["state"] for k, r in rows.items()} == {
        ("response", 1): "canceled",
        ("resolution", 1): "canceled",
    }
    assert all(r["next_due_at"] is None for r in rows.values())


def test_tickets_are_judged_by_the_version_in_force_when_opened(
    desk: Desk, tmp_path: Path
) -> None:
    # given strict-v2 activated at 09:00, effective from 12:00
    strict = candidate(tmp_path, "strict-v2", STRICT_P1)
    before = desk.open(utc("2026-03-02 08:00"), "P1")
    desk.activate(utc("2026-03-02 09:00"), strict, utc("2026-03-02 12:00"))
    pending = desk.open(utc("2026-03-02 10:00"), "P1")
    after = desk.open(utc("2026-03-02 12:30"), "P1")

    # then each ticket keeps the version in force at its opening
    versions = {
        name: (
            ticket_row(desk, t)["policy_version"],
            clocks(desk, t)["resolution", 1]["target_seconds"],
        )
        for name, t in (("before", before), ("pending", pending), ("after", after))
    }
    assert versions == {
        "before": ("default-v1", 4 * HOUR),
        "pending": ("default-v1", 4 * HOUR),
        "after": ("strict-v2", 2 * HOUR),
    }
    row = ticket_row(desk, after)
    assert row["policy_sha256"] == strict.sha256
    assert row["policy_position"] is not None
    assert ticket_row(desk, before)["policy_position"] is None


def test_reopen_resumes_the_resolution_clock(desk: Desk) -> None:
    ticket = desk.open(utc("2026-03-02 10:00"), "P2")
    desk.resolve(utc("2026-03-02 11:00"), ticket)
    desk.reopen(utc("2026-03-02 15:00"), ticket)

    resolution = clocks(desk, ticket)["resolution", 1]

    # 1h before the resolution; running again from 15:00 with 7h left of 8h
    assert resolution["state"] == "running"
    assert resolution["elapsed_seconds"] == 1 * HOUR
    assert resolution["measured_at"] == utc("2026-03-02 15:00")
    assert resolution["due_at"] == utc("2026-03-02 15:00") + timedelta(hours=7)


def test_new_cycle_policy_counts_each_reopen_cycle(desk: Desk, tmp_path: Path) -> None:
    cycles = candidate(
        tmp_path, "cycles-v1", {'reopen = "resume"': 'reopen = "new_cycle"'}
    )
    desk.activate(utc("2026-03-02 07:00"), cycles)
    ticket = desk.open(utc("2026-03-02 08:00"), "P2")
    desk.resolve(utc("2026-03-02 09:00"), ticket)
    desk.reopen(utc("2026-03-02 10:00"), ticket)

    rows = clocks(desk, ticket)

    first, second = rows["resolution", 1], rows["resolution", 2]
    assert (first["cycle"], first["state"], first["elapsed_seconds"]) == (
        1,
        "met",
        HOUR,
    )
    assert (second["cycle"], second["state"]) == (2, "running")
    assert second["due_at"] == utc("2026-03-02 18:00")
    assert second["policy_version"] == "cycles-v1"


def test_an_invalid_activation_records_nothing(desk: Desk) -> None:
    head = desk.runtime.projections.source.head()
    command = ActivatePolicy(kind="sla", documents={"policy.toml": 'version = "x"\n'})

    with pytest.raises(PolicyError) as err:
        desk.runtime.service.execute(command, CommandContext(actor=ADMIN))

    assert err.value.details["file"] == "policy.toml"
    assert desk.runtime.projections.source.head() == head


def test_evidence_names_the_activation_that_judges_the_ticket(
    desk: Desk, tmp_path: Path
) -> None:
    strict = candidate(tmp_path, "strict-v2", STRICT_P1)
    desk.activate(utc("2026-03-02 07:00"), strict)
    ticket = desk.open(utc("2026-03-02 08:00"), "P1")
    desk.hold(utc("2026-03-02 08:30"), ticket)
    desk.project()

    data = ticket_evidence(desk.runtime.projections, ticket, utc("2026-03-02 09:00"))

    assert data["policy"]["version"] == "strict-v2"
    assert data["policy"]["activated_by"] == ADMIN.id
    assert data["policy"]["effective_from"] == "2026-03-02T07:00:00Z"
    resolution = next(c for c in data["clocks"] if c["metric"] == "resolution")
    assert (resolution["state"], resolution["elapsed"]) == ("paused", "30m")
    with pytest.raises(InvalidCommandError):
        ticket_evidence(
            desk.runtime.projections,
            ticket,
            utc("2026-03-02 09:00"),
            utc("2026-03-02 07:30"),
        )
