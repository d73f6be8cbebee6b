"""Idempotency: a retried command returns its first result and adds nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from tests.support.service import AS_AGENT, RULE, log_state, open_ticket, opened
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.errors import IdempotencyConflictError
from ticketing.ids import ticket_id_for_key

if TYPE_CHECKING:
    from ticketing.runtime import Runtime


def test_the_same_command_twice_adds_no_events(runtime: Runtime) -> None:
    tid = opened(runtime)
    command = m.AddComment(ticket_id=tid, body="on my way")
    first = runtime.service.execute(command, AS_AGENT)
    after_first = log_state(runtime)

    again = runtime.service.execute(command, AS_AGENT)

    assert log_state(runtime) == after_first
    assert again == replace(first, replayed=True)
    assert runtime.service.load(tid).version == 2


def test_a_retry_after_later_commands_still_returns_the_first_result(
    runtime: Runtime,
) -> None:
    tid = opened(runtime)
    command = m.TagTicket(ticket_id=tid, tag="a")
    first = runtime.service.execute(command, AS_AGENT)
    runtime.service.execute(m.TagTicket(ticket_id=tid, tag="b"), AS_AGENT)

    again = runtime.service.execute(command, AS_AGENT)

    assert (again.version, again.position, again.replayed) == (2, 2, True)
    assert again.version == first.version


def test_a_retry_is_recognised_even_when_it_would_now_be_refused(
    runtime: Runtime,
) -> None:
    tid = opened(runtime)
    close = m.CancelTicket(ticket_id=tid, reason="dup")
    runtime.service.execute(close, AS_AGENT)

    # canceling twice would be an invalid transition; the retry is not
    assert runtime.service.execute(close, AS_AGENT).replayed


def test_the_expected_version_is_not_part_of_the_identity(runtime: Runtime) -> None:
    tid = opened(runtime)
    command = m.TagTicket(ticket_id=tid, tag="a", expected_version=1)
    runtime.service.execute(command, AS_AGENT)

    again = runtime.service.execute(replace(command, expected_version=None), AS_AGENT)

    assert again.replayed


@pytest.mark.parametrize(
    "change",
    [
        {"tag": "b"},
        {"command": "untag"},
        {"actor": "rule"},
    ],
)
def test_the_same_id_for_a_different_command_is_a_conflict(
    runtime: Runtime, change: dict[str, str]
) -> None:
    tid = opened(runtime)
    command = m.TagTicket(ticket_id=tid, tag="a", command_id="cmd-1")
    runtime.service.execute(command, AS_AGENT)
    other: m.Command = command
    ctx = AS_AGENT
    if "tag" in change:
        other = replace(command, tag=change["tag"])
    if "command" in change:
        other = m.UntagTicket(ticket_id=tid, tag="a", command_id="cmd-1")
    if "actor" in change:
        ctx = CommandContext(actor=RULE)

    with pytest.raises(IdempotencyConflictError) as err:
        runtime.service.execute(other, ctx)

    assert err.value.code == "idempotency_conflict"
    assert "tag_ticket" in err.value.message


def test_open_with_a_key_has_a_deterministic_ticket_id(runtime: Runtime) -> None:
    command = open_ticket(command_id="portal-req-77")

    first = runtime.service.execute(command, AS_AGENT)
    again = runtime.service.execute(command, AS_AGENT)

    assert first.ticket_id == ticket_id_for_key("portal-req-77")
    assert again.ticket_id == first.ticket_id
    assert (again.number, again.replayed) == (first.number, True)


def test_a_retried_open_does_not_consume_a_number(runtime: Runtime) -> None:
    command = open_ticket()
    runtime.service.execute(command, AS_AGENT)
    runtime.service.execute(command, AS_AGENT)

    nxt = runtime.service.execute(open_ticket(), AS_AGENT)

    assert nxt.number == "INC0000002"


def test_ticket_ids_for_different_keys_differ() -> None:
    assert ticket_id_for_key("a") != ticket_id_for_key("b")
    assert ticket_id_for_key("a") == ticket_id_for_key("a")
