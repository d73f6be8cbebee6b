"""parse_command reports missing, unknown and bad fields together, per field."""

from __future__ import annotations

import pytest

from ticketing.commands.parsing import parse_command
from ticketing.errors import InvalidCommandError


def test_missing_and_bad_fields_are_reported_together() -> None:
    # given an open with a bad type, an empty title, an unknown field, no requester
    data = {"type": "outage", "title": "", "impact": 2, "urgency": 2, "colour": "red"}

    # when it is parsed
    with pytest.raises(InvalidCommandError) as err:
        parse_command("open_ticket", data)

    # then every problem is named at once
    fields = err.value.details["fields"]
    assert fields == {
        "type": fields["type"],
        "title": "must not be empty",
        "colour": "unknown field",
        "requester_id": "is required",
    }
    assert "'outage' is not one of" in fields["type"]


def test_a_well_formed_command_still_parses() -> None:
    command = parse_command(
        "open_ticket",
        {
            "type": "incident",
            "title": "x",
            "impact": 1,
            "urgency": 1,
            "requester_id": "r",
        },
    )

    assert command.name == "open_ticket"
