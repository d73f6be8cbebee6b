"""Running command scripts: all-or-nothing per ticket, idempotent re-runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.persistence import OperationalError

from tests.support.script_lines import jsonl, line, open_line
from ticketing.aggregates.ticket import Ticket
from ticketing.commands.script_runner import run_script_lines
from ticketing.errors import ConcurrencyConflictError, TicketNotFoundError

if TYPE_CHECKING:
    from ticketing.commands.messages import Command
    from ticketing.commands.script_report import ScriptReport
    from ticketing.commands.service import CommandContext, CommandResult
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def run(runtime: Runtime, *lines: dict[str, Any] | str) -> ScriptReport:
    return run_script_lines(runtime.service, jsonl(*lines))


def events_of(runtime: Runtime, number: str) -> list[str]:
    ticket_id = runtime.service.resolve_ref(number)
    events = runtime.app.repository.event_store.get(ticket_id)
    return [type(e).__name__ for e in events]


def test_a_failing_line_keeps_its_whole_ticket_out(runtime: Runtime) -> None:
    report = run(
        runtime,
        open_line("a", 0),
        open_line("b", 1),
        line("@a", "route_ticket", 2, queue="desk"),
        line("@b", "route_ticket", 3, queue="desk"),
        line("@a", "assign_ticket", 4, agent_id="alice"),
        line("@b", "resume_ticket", 5),  # B's 3rd line: B is not on hold
    )

    outcome = {t.label: t for t in report.tickets}
    assert outcome["@a"].status == "imported"
    assert outcome["@b"].status == "not_imported"
    [error] = outcome["@b"].errors
    assert (error.line, error.code, error.ticket) == (6, "invalid_transition", "@b")
    assert events_of(runtime, "INC0000001") == ["Opened", "Routed", "Assigned"]
    with pytest.raises(TicketNotFoundError):
        runtime.service.resolve_ref("INC0000002")
    assert runtime.recorder.max_notification_id() == 3
    assert not report.ok


def test_numbers_stay_gapless_after_a_refused_ticket(runtime: Runtime) -> None:
    run(runtime, open_line("a", 0), open_line("b", 1), line("@b", "resume_ticket", 2))

    report = run(runtime, open_line("c", 3))

    assert report.tickets[0].number == "INC0000002"


def test_running_a_script_again_adds_nothing(runtime: Runtime) -> None:
    lines = (
        open_line("a", 0),
        line("@a", "route_ticket", 1, queue="desk"),
        line("@a", "add_comment", 2, body="hello"),
        line("@a", "add_comment", 2, body="hello"),
    )
    first = run(runtime, *lines)
    head = runtime.recorder.max_notification_id()

    second = run(runtime, *lines)

    assert (first.applied, first.events) == (4, 4)
    assert (second.applied, second.replayed, second.events) == (0, 4, 0)
    assert second.tickets[0].status == "unchanged"
    assert runtime.recorder.max_notification_id() == head


def test_a_ticket_linking_to_a_refused_ticket_is_refused_too(runtime: Runtime) -> None:
    report = run(
        runtime,
        open_line("p", 0, type="problem"),
        open_line("i", 1),
        line("@p", "close_ticket", 2),  # refused: the problem is not resolved
        line("@i", "link_tickets", 3, kind="problem", target="@p"),
        open_line("other", 4),
    )

    outcome = {t.label: t for t in report.tickets}
    assert outcome["@p"].errors[0].code == "invalid_transition"
    [error] = outcome["@i"].errors
    assert (error.code, error.line) == ("dependency_failed", 4)
    assert "@p" in error.message
    assert outcome["@other"].status == "imported"


def test_tickets_linked_both_ways_are_imported_or_refused_together(
    runtime: Runtime,
) -> None:
    report = run(
        runtime,
        open_line("a", 0),
        open_line("b", 0),
        line("@a", "link_tickets", 1, kind="parent", target="@b"),
        line("@b", "link_tickets", 2, kind="child", target="@a"),
        line("@b", "reopen_ticket", 3, reason="x"),  # refused
    )

    outcome = {t.label: t for t in report.tickets}
    assert outcome["@b"].errors[0].code == "invalid_transition"
    assert outcome["@a"].errors[0].code == "linked_ticket_failed"
    assert runtime.recorder.max_notification_id() is None


def test_lines_for_existing_tickets_by_number(runtime: Runtime) -> None:
    run(runtime, open_line("a", 0))

    report = run(
        runtime,
        line("INC0000001", "add_comment", 5, body="later"),
        line("INC0000404", "add_comment", 5, body="nobody"),
    )

    outcome = {t.label: t for t in report.tickets}
    assert outcome["INC0000001"].status == "imported"
    assert outcome["INC0000404"].errors[0].code == "ticket_not_found"
    assert events_of(runtime, "INC0000001") == ["Opened", "CommentAdded"]


def test_a_time_before_the_stored_history_is_refused(runtime: Runtime) -> None:
    run(runtime, open_line("a", 10))

    report = run(runtime, line("INC0000001", "add_comment", 5, body="too early"))

    [outcome] = report.tickets
    assert outcome.errors[0].code == "out_of_order_time"


def test_events_carry_the_line_time_and_the_import_actor(runtime: Runtime) -> None:
    report = run(runtime, open_line("a", 0), line("@a", "add_comment", 90, body="x"))

    ticket_id = report.tickets[0].ticket_id
    assert ticket_id is not None
    last = list(runtime.app.repository.event_store.get(ticket_id))[-1]
    assert isinstance(last, Ticket.CommentAdded)
    assert last.timestamp.isoformat() == "2025-03-03T10:30:00+00:00"
    assert last.meta.actor.kind == "import"


def test_a_line_of_no_ticket_refuses_the_whole_script(runtime: Runtime) -> None:
    report = run(runtime, open_line("a", 0), open_line("b", 1), "{not json")

    assert [e.line for e in report.script_errors] == [3]
    assert {t.status for t in report.tickets} == {"not_imported"}
    assert {t.errors[-1].code for t in report.tickets} == {"script_refused"}
    assert runtime.recorder.max_notification_id() is None
    assert report.as_dict()["script_errors"][0]["code"] == "malformed_json"


def test_a_bad_line_in_a_cycle_refuses_its_partner_before_running(
    runtime: Runtime,
) -> None:
    report = run(
        runtime,
        open_line("a", 0),
        open_line("b", 0),
        line("@a", "link_tickets", 1, kind="parent", target="@b"),
        line("@b", "link_tickets", 2, kind="child", target="@a"),
        line("@b", "escalate_ticket", 3, reason=""),
    )

    outcome = {t.label: t for t in report.tickets}
    assert outcome["@b"].errors[0].code == "invalid_args"
    assert outcome["@a"].errors[0].code == "linked_ticket_failed"
    assert runtime.recorder.max_notification_id() is None


def test_a_store_error_rolls_the_ticket_back(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runtime.service.execute
    calls: list[str] = []

    def failing(command: Command, ctx: CommandContext) -> CommandResult:
        calls.append(command.name)
        if command.name == "add_comment":
            raise OperationalError("disk full")
        return real(command, ctx)

    monkeypatch.setattr(runtime.service, "execute", failing)

    report = run(runtime, open_line("a", 0), line("@a", "add_comment", 1, body="x"))

    [outcome] = report.tickets
    assert (outcome.status, outcome.errors[0].code) == ("not_imported", "store_error")
    assert calls == ["open_ticket", "add_comment"] * 2  # tried twice
    assert runtime.recorder.max_notification_id() is None


def test_a_unit_that_loses_a_race_is_run_again(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runtime.service.execute
    calls: list[str] = []

    def racing(command: Command, ctx: CommandContext) -> CommandResult:
        calls.append(command.name)
        if len(calls) == 2:
            raise ConcurrencyConflictError("another writer got there first")
        return real(command, ctx)

    monkeypatch.setattr(runtime.service, "execute", racing)

    report = run(runtime, open_line("a", 0), line("@a", "add_comment", 1, body="x"))

    assert report.ok
    assert report.tickets[0].events == 2
    assert events_of(runtime, "INC0000001") == ["Opened", "CommentAdded"]
