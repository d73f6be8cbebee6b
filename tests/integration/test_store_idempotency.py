"""Idempotency and ticket numbers on a real database, across process restarts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.service import AS_AGENT, log_state, open_runtime, open_ticket
from ticketing.commands import messages as m
from ticketing.errors import IdempotencyConflictError
from ticketing.ids import ticket_id_for_key

pytestmark = pytest.mark.integration


def test_a_retry_in_a_new_process_returns_the_first_result(db_url: str) -> None:
    command = open_ticket(command_id="portal-42")
    with open_runtime(db_url) as runtime:
        first = runtime.service.execute(command, AS_AGENT)

    with open_runtime(db_url) as runtime:
        before = log_state(runtime)
        again = runtime.service.execute(command, AS_AGENT)
        assert log_state(runtime) == before

    assert again == replace(first, replayed=True)
    assert first.ticket_id == ticket_id_for_key("portal-42")


def test_a_reused_id_for_another_command_is_refused(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        tid = runtime.service.execute(open_ticket(), AS_AGENT).ticket_id
        runtime.service.execute(
            m.TagTicket(ticket_id=tid, tag="a", command_id="k"), AS_AGENT
        )

        with pytest.raises(IdempotencyConflictError):
            runtime.service.execute(
                m.TagTicket(ticket_id=tid, tag="b", command_id="k"), AS_AGENT
            )

        assert runtime.service.load(tid).tags == ("a",)


def test_numbers_are_gapless_per_type_across_restarts(db_url: str) -> None:
    numbers: list[str] = []
    for _ in range(2):
        with open_runtime(db_url) as runtime:
            for ticket_type in ("incident", "change", "incident", "problem"):
                result = runtime.service.execute(
                    open_ticket(type=ticket_type), AS_AGENT
                )
                numbers.append(result.number)
            runtime.service.execute(open_ticket(type="service_request"), AS_AGENT)

    assert numbers == [
        "INC0000001",
        "CHG0000001",
        "INC0000002",
        "PRB0000001",
        "INC0000003",
        "CHG0000002",
        "INC0000004",
        "PRB0000002",
    ]
    with open_runtime(db_url) as runtime:
        assert runtime.service.resolve_ref("REQ0000002") is not None
