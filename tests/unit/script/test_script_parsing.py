"""Command-script lines: every kind of bad line is reported with its line number."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.script_lines import AGENT, at, jsonl, line, open_line
from ticketing.commands.script import parse_line, parse_script

GOOD_OPEN = open_line("k1")


def _with(**changes: Any) -> str:
    data = {**GOOD_OPEN, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None})


BAD_LINES = [
    ("not json at all", "malformed_json", None),
    ("[1, 2]", "malformed_json", None),
    (_with(command="frobnicate_ticket"), "unknown_command", "command"),
    (_with(at="yesterday"), "bad_line", "at"),
    (_with(at="2025-03-03T09:00:00"), "bad_line", "at"),
    (_with(actor={"id": "alice"}), "bad_line", "actor.role"),
    (_with(actor={**AGENT, "kind": "human"}), "bad_line", "actor.kind"),
    (_with(color="blue"), "bad_line", "color"),
    (_with(ticket="@k0"), "bad_line", "ticket"),
    (_with(key="has space"), "bad_line", "key"),
    (_with(args=[1]), "invalid_args", "args"),
    (_with(args={"command_id": "x"}), "invalid_args", "command_id"),
    (
        json.dumps({**line("@k1", "add_comment", 1, body="x"), "ticket": ""}),
        "unknown_ticket_ref",
        "ticket",
    ),
    (
        json.dumps(line("@k1", "link_tickets", 1, kind="problem")),
        "invalid_args",
        "target",
    ),
]


@pytest.mark.parametrize(("text", "code", "field"), BAD_LINES)
def test_parse_script_reports_each_bad_line_with_its_number(
    text: str, code: str, field: str | None
) -> None:
    lines = jsonl(GOOD_OPEN, text)

    parsed = parse_script(lines)

    assert len(parsed.steps) == 1
    [error] = parsed.errors
    assert (error.line, error.code) == (2, code)
    if field is not None:
        assert error.fields is not None
        assert field in error.fields


def test_parse_line_reads_times_with_offsets_as_utc() -> None:
    data = {**GOOD_OPEN, "at": "2025-03-03T10:00:00+01:00"}

    step = parse_line(json.dumps(data), 7)

    assert step.line == 7
    assert step.at.isoformat() == "2025-03-03T09:00:00+00:00"
    assert step.actor.kind == "import"


def test_parse_line_defaults_the_actor_kind_to_import() -> None:
    data = {**GOOD_OPEN, "actor": {"id": "bob", "role": "requester"}}

    step = parse_line(json.dumps(data), 1)

    assert (step.actor.id, step.actor.role, step.actor.kind) == (
        "bob",
        "requester",
        "import",
    )


def test_parse_script_skips_blank_lines_but_keeps_numbering() -> None:
    lines = ["", *jsonl(GOOD_OPEN), "   ", "{"]

    parsed = parse_script(lines)

    assert [s.line for s in parsed.steps] == [2]
    assert [e.line for e in parsed.errors] == [4]
    assert parsed.lines == 4


def test_parse_script_accepts_a_header_and_refuses_a_wrong_one() -> None:
    good = json.dumps({"format": "ticketing-command-script", "version": 1})
    bad = json.dumps({"format": "ticketing-command-script", "version": 2})

    assert parse_script([good, *jsonl(GOOD_OPEN)]).errors == ()
    [error] = parse_script([bad, *jsonl(GOOD_OPEN)]).errors
    assert (error.line, error.code) == (1, "bad_header")


def test_parse_script_reports_bytes_that_are_not_utf8() -> None:
    parsed = parse_script([b"\xff\xfe{}"])

    [error] = parsed.errors
    assert (error.line, error.code) == (1, "malformed_json")


def test_bad_lines_are_attributed_to_their_ticket_when_possible() -> None:
    lines = jsonl(
        GOOD_OPEN,
        {**line("@k1", "add_comment", 1, body="x"), "at": "soon"},
        "{broken",
    )

    parsed = parse_script(lines)

    assert [(e.line, e.ticket) for e in parsed.errors] == [(2, "@k1"), (3, None)]


def test_to_json_round_trips_through_parse_line() -> None:
    original = line("@k1", "link_tickets", 5, kind="problem", target="@p1")

    step = parse_line(json.dumps(original), 3)
    again = parse_line(json.dumps(step.to_json()), 3)

    assert again == step
    assert step.target == "@p1"
    assert step.at.isoformat() == at(5)
