"""Parsing commands from JSON-like mappings: every problem reported per field."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.unit.commands.test_messages import GOOD
from ticketing.commands import messages as m
from ticketing.commands.parsing import command_to_dict, parse_command
from ticketing.errors import InvalidCommandError

TICKET = str(uuid.uuid4())


def wire_args(name: str) -> dict[str, Any]:
    args = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in GOOD[name].items()}
    if issubclass(m.COMMANDS[name], m.TicketCommand):
        args["ticket_id"] = TICKET
    return args


def problems(name: object, data: object) -> dict[str, str]:
    with pytest.raises(InvalidCommandError) as err:
        parse_command(name, data)
    fields: dict[str, str] = err.value.details["fields"]
    return fields


@pytest.mark.parametrize("name", sorted(m.COMMANDS))
def test_every_command_parses_and_round_trips(name: str) -> None:
    command = parse_command(name, wire_args(name))

    wire = command_to_dict(command)
    again = parse_command(wire["command"], wire["args"])

    assert type(again) is type(command)
    assert again.payload() == command.payload()


def test_unknown_command_lists_the_known_ones() -> None:
    fields = problems("open_tikcet", {})

    assert "open_ticket" in fields["command"]


def test_args_must_be_an_object() -> None:
    assert set(problems("close_ticket", ["x"])) == {"args"}


def test_unknown_missing_and_malformed_fields_are_reported_together() -> None:
    fields = problems(
        "open_ticket",
        {"type": "incident", "title": "t", "impact": 1, "colour": "red"},
    )

    assert fields == {
        "colour": "unknown field",
        "urgency": "is required",
        "requester_id": "is required",
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [("INC0000001", "is not a ticket id"), (42, "must be a ticket id")],
)
def test_ticket_ids_must_be_uuid_strings(value: object, reason: str) -> None:
    fields = problems("close_ticket", {"ticket_id": value})

    assert reason in fields["ticket_id"]


def test_values_are_validated_after_parsing() -> None:
    fields = problems("put_on_hold", {"ticket_id": TICKET, "reason": "awaiting_lunch"})

    assert set(fields) == {"reason"}


def test_tags_must_be_a_list() -> None:
    args = wire_args("open_ticket") | {"tags": "a,b"}

    assert problems("open_ticket", args) == {"tags": "must be a list"}


def test_tags_list_becomes_a_tuple() -> None:
    command = parse_command("open_ticket", wire_args("open_ticket") | {"tags": ["a"]})

    assert isinstance(command, m.OpenTicket)
    assert command.tags == ("a",)
