"""Rejected commands: the right error, and the log left exactly as it was."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.service import (
    AS_AGENT,
    IMPORTER,
    REQUESTER,
    log_state,
    open_ticket,
    opened,
)
from tests.unit.commands.test_messages import GOOD
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.errors import (
    ConcurrencyConflictError,
    DomainError,
    IdempotencyConflictError,
    InvalidCommandError,
    InvalidTransitionError,
    NoChangeError,
    NotFoundError,
    OutOfOrderTimeError,
    TicketingError,
)

if TYPE_CHECKING:
    from ticketing.runtime import Runtime

TICKET_COMMANDS = sorted(n for n, c in m.COMMANDS.items() if c is not m.OpenTicket)


def rejected(
    runtime: Runtime,
    command: m.Command,
    error: type[TicketingError],
    ctx: CommandContext = AS_AGENT,
) -> TicketingError:
    """Execute ``command``; it must raise ``error`` and change nothing stored."""
    before = log_state(runtime)
    with pytest.raises(error) as err:
        runtime.service.execute(command, ctx)
    assert log_state(runtime) == before
    return err.value


@pytest.mark.parametrize("name", TICKET_COMMANDS)
def test_an_unknown_ticket_is_not_found(runtime: Runtime, name: str) -> None:
    opened(runtime)
    missing = uuid.uuid4()
    cls = m.COMMANDS[name]
    assert issubclass(cls, m.TicketCommand)
    command = cls(ticket_id=missing, **GOOD[name])

    error = rejected(runtime, command, NotFoundError)

    assert error.code == "ticket_not_found"
    assert error.details == {"ticket": str(missing)}


def test_an_invalid_transition_names_the_state_and_the_command(
    runtime: Runtime,
) -> None:
    tid = opened(runtime)
    runtime.service.execute(m.CancelTicket(ticket_id=tid, reason="dup"), AS_AGENT)

    error = rejected(
        runtime, m.ReopenTicket(ticket_id=tid, reason="why"), InvalidTransitionError
    )

    assert error.details == {
        "ticket": "INC0000001",
        "state": "canceled",
        "command": "reopen",
    }
    assert "canceled" in error.message
    assert "reopen" in error.message


def test_no_change_is_refused(runtime: Runtime) -> None:
    tid = opened(runtime)
    runtime.service.execute(m.RouteTicket(ticket_id=tid, queue="q"), AS_AGENT)

    error = rejected(runtime, m.RouteTicket(ticket_id=tid, queue="q"), NoChangeError)

    assert isinstance(error, DomainError)


def test_a_stale_expected_version_is_a_conflict(runtime: Runtime) -> None:
    tid = opened(runtime)
    runtime.service.execute(m.TagTicket(ticket_id=tid, tag="a"), AS_AGENT)

    error = rejected(
        runtime,
        m.TagTicket(ticket_id=tid, tag="b", expected_version=1),
        ConcurrencyConflictError,
    )

    assert error.code == "version_conflict"
    assert error.details == {"ticket": "INC0000001", "expected": 1, "actual": 2}


def test_the_current_expected_version_is_accepted(runtime: Runtime) -> None:
    tid = opened(runtime)

    result = runtime.service.execute(
        m.TagTicket(ticket_id=tid, tag="b", expected_version=1), AS_AGENT
    )

    assert result.version == 2


def test_a_reused_command_id_with_another_payload_is_refused(
    runtime: Runtime,
) -> None:
    tid = opened(runtime)
    first = m.TagTicket(ticket_id=tid, tag="a")
    runtime.service.execute(first, AS_AGENT)

    error = rejected(
        runtime,
        m.TagTicket(ticket_id=tid, tag="b", command_id=first.command_id),
        IdempotencyConflictError,
    )

    assert error.code == "idempotency_conflict"
    assert error.details == {
        "command_id": first.command_id,
        "reference": "INC0000001",
    }


def test_occurred_at_from_a_live_actor_is_refused(runtime: Runtime) -> None:
    past = runtime.clock.now() - timedelta(days=1)

    error = rejected(
        runtime,
        open_ticket(),
        InvalidCommandError,
        CommandContext(actor=AS_AGENT.actor, occurred_at=past),
    )

    assert set(error.details["fields"]) == {"occurred_at"}


def test_an_import_earlier_than_the_previous_event_is_out_of_order(
    runtime: Runtime,
) -> None:
    tid = opened(runtime)
    before_open = runtime.clock.now() - timedelta(hours=1)

    error = rejected(
        runtime,
        m.TagTicket(ticket_id=tid, tag="late"),
        OutOfOrderTimeError,
        CommandContext(actor=IMPORTER, occurred_at=before_open),
    )

    assert error.code == "out_of_order_time"
    assert error.details["occurred_at"] == before_open.isoformat()


def test_a_requester_cannot_add_an_internal_comment(runtime: Runtime) -> None:
    tid = opened(runtime)

    error = rejected(
        runtime,
        m.AddComment(ticket_id=tid, body="psst", visibility="internal"),
        InvalidCommandError,
        CommandContext(actor=REQUESTER),
    )

    assert set(error.details["fields"]) == {"visibility"}


def test_only_imports_name_the_author_kind(runtime: Runtime) -> None:
    tid = opened(runtime)

    error = rejected(
        runtime,
        m.AddComment(ticket_id=tid, body="hi", author_kind="requester"),
        InvalidCommandError,
    )

    assert set(error.details["fields"]) == {"author_kind"}


def test_a_link_target_must_exist(runtime: Runtime) -> None:
    tid = opened(runtime)
    missing = uuid.uuid4()

    error = rejected(
        runtime,
        m.LinkTickets(ticket_id=tid, kind="parent", target_id=missing),
        NotFoundError,
    )

    assert error.details == {"ticket": str(missing)}


def test_a_ticket_cannot_be_linked_to_itself(runtime: Runtime) -> None:
    tid = opened(runtime)

    error = rejected(
        runtime,
        m.LinkTickets(ticket_id=tid, kind="duplicate_of", target_id=tid),
        InvalidCommandError,
    )

    assert set(error.details["fields"]) == {"target_id"}


def test_only_imports_choose_a_number_or_an_id(runtime: Runtime) -> None:
    error = rejected(runtime, open_ticket(number="INC0000042"), InvalidCommandError)

    assert set(error.details["fields"]) == {"number"}


def test_a_taken_number_is_refused_for_an_import(runtime: Runtime) -> None:
    opened(runtime)

    error = rejected(
        runtime,
        open_ticket(number="INC0000001"),
        TicketingError,
        CommandContext(actor=IMPORTER),
    )

    assert error.code == "conflict"
    assert error.details == {"number": "INC0000001"}


def test_an_existing_ticket_id_is_refused_for_an_import(runtime: Runtime) -> None:
    tid = opened(runtime)

    error = rejected(
        runtime,
        open_ticket(ticket_id=tid, number="INC0000099"),
        TicketingError,
        CommandContext(actor=IMPORTER),
    )

    assert error.code == "conflict"
    assert error.details == {"ticket_id": str(tid), "number": "INC0000001"}
