"""Planning a script: references, times, arguments, ids and units (pure)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support.script_lines import T0, jsonl, line, open_line
from ticketing.commands.script import parse_script
from ticketing.commands.script_plan import ScriptPlan, plan_script

NOW = T0 + timedelta(days=1)


def plan(*lines: dict[str, Any] | str) -> ScriptPlan:
    parsed = parse_script(jsonl(*lines))
    return plan_script(parsed.steps, now=NOW, parse_errors=parsed.errors)


def only_error(result: ScriptPlan, label: str) -> tuple[int, str]:
    error = result.tickets[label].error
    assert error is not None
    return error.line, error.code


BAD_SCRIPTS = [
    ("unknown key", [line("@nope", "add_comment", 1, body="x")], "@nope", 1,
     "unknown_ticket_ref"),
    ("opened later", [line("@k1", "add_comment", 1, body="x"), open_line("k1", 2)],
     "@k1", 1, "unknown_ticket_ref"),
    ("time backwards", [open_line("k1", 5), line("@k1", "add_comment", 4, body="x")],
     "@k1", 2, "time_backwards"),
    ("future", [open_line("k1", 60 * 48)], "@k1", 1, "future_time"),
    ("missing arg", [open_line("k1"), line("@k1", "add_comment", 1)], "@k1", 2,
     "invalid_args"),
    ("bad value", [open_line("k1", impact=7)], "@k1", 1, "invalid_args"),
    ("link target unknown",
     [open_line("k1"), line("@k1", "link_tickets", 1, kind="problem", target="@x")],
     "@k1", 2, "unknown_ticket_ref"),
    ("target opened later in time",
     [open_line("p1", 10), open_line("k1", 0),
      line("@k1", "link_tickets", 5, kind="problem", target="@p1")],
     "@k1", 3, "time_backwards"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "label", "at_line", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_SCRIPTS],
)
def test_plan_refuses_the_ticket_at_the_bad_line(
    lines: list[dict[str, Any]], label: str, at_line: int, code: str
) -> None:
    result = plan(*lines)

    assert only_error(result, label) == (at_line, code)
    assert not result.refused


def test_plan_names_each_bad_argument() -> None:
    result = plan(open_line("k1", impact=7, title=""))

    error = result.tickets["@k1"].error
    assert error is not None
    assert error.fields is not None
    assert set(error.fields) == {"impact", "title"}


def test_plan_refuses_the_whole_script_for_a_line_of_no_ticket() -> None:
    result = plan(open_line("k1"), "{not json")

    assert result.refused
    assert [e.line for e in result.script_errors] == [2]


def test_plan_refuses_the_whole_script_for_a_duplicate_key() -> None:
    result = plan(open_line("k1"), open_line("k1", 1))

    assert [(e.line, e.code) for e in result.script_errors] == [(2, "duplicate_key")]


def test_plan_refuses_a_reused_explicit_id() -> None:
    first = {**line("@k1", "add_comment", 1, body="a"), "id": "c-1"}
    second = {**line("@k1", "add_comment", 2, body="b"), "id": "c-1"}

    result = plan(open_line("k1"), first, second)

    assert only_error(result, "@k1") == (3, "duplicate_id")


def _ids(result: ScriptPlan) -> list[str]:
    return [p.command.command_id for t in result.tickets.values() for p in t.steps]


def test_command_ids_are_deterministic_and_distinct() -> None:
    lines = (
        open_line("k1"),
        line("@k1", "add_comment", 1, body="same"),
        line("@k1", "add_comment", 1, body="same"),
    )

    first, second = plan(*lines), plan(*lines)

    assert _ids(first) == _ids(second)
    assert len(set(_ids(first))) == 3


def test_command_ids_do_not_depend_on_key_names_or_line_numbers() -> None:
    a = plan(open_line("k1", title="t"), line("@k1", "add_comment", 1, body="x"))
    b = plan(
        "", open_line("other", title="t"), line("@other", "add_comment", 1, body="x")
    )

    assert _ids(a) == _ids(b)


def test_numbers_opened_in_the_script_are_local_refs() -> None:
    result = plan(
        open_line("k1", number="INC0000045"),
        line("INC0000045", "add_comment", 1, body="x"),
    )

    assert list(result.tickets) == ["@k1"]
    assert len(result.tickets["@k1"].steps) == 2


def test_unknown_numbers_are_left_to_the_store() -> None:
    result = plan(line("INC0000099", "add_comment", 1, body="x"))

    ticket = result.tickets["INC0000099"]
    assert (ticket.local, ticket.error) == (False, None)


def test_units_run_link_targets_first_and_cycles_together() -> None:
    result = plan(
        open_line("a", 0),
        open_line("b", 0),
        open_line("c", 0),
        line("@a", "link_tickets", 1, kind="problem", target="@c"),
        line("@b", "link_tickets", 1, kind="parent", target="@c"),
        line("@c", "link_tickets", 2, kind="child", target="@b"),
    )

    assert result.units == (("@b", "@c"), ("@a",))
