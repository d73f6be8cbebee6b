"""Property: command ids depend on each ticket's own lines, not on interleaving."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.script_lines import T0, jsonl, line, open_line
from ticketing.commands.script import parse_script
from ticketing.commands.script_plan import plan_script

pytestmark = pytest.mark.property


def ticket_lines(key: str, comments: int) -> list[dict[str, Any]]:
    return [
        open_line(key, 0),
        *(line(f"@{key}", "add_comment", n, body="same") for n in range(comments)),
    ]


def ids_by_ticket(lines: list[dict[str, Any]]) -> dict[str, list[str]]:
    parsed = parse_script(jsonl(*lines))
    plan = plan_script(parsed.steps, now=T0 + timedelta(days=1))
    assert not plan.script_errors
    return {
        label: [p.command.command_id for p in ticket.steps]
        for label, ticket in plan.tickets.items()
    }


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=4),
    order=st.randoms(use_true_random=False),
)
def test_ids_do_not_depend_on_how_tickets_are_interleaved(
    sizes: list[int], order: Any
) -> None:
    per_ticket = [ticket_lines(f"t{i}", n) for i, n in enumerate(sizes)]
    sequential = [x for lines in per_ticket for x in lines]
    queues = [list(lines) for lines in per_ticket]
    interleaved: list[dict[str, Any]] = []
    while any(queues):
        queue = order.choice([q for q in queues if q])
        interleaved.append(queue.pop(0))

    assert ids_by_ticket(interleaved) == ids_by_ticket(sequential)
