"""Command messages: a command that exists is well-formed; bad values are listed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.service import open_ticket
from ticketing.commands import messages as m
from ticketing.commands.validation import NAME_MAX, TEXT_MAX, TITLE_MAX
from ticketing.errors import InvalidCommandError

TICKET = uuid.uuid4()


def bad_fields(build: Any, **values: Any) -> dict[str, str]:
    with pytest.raises(InvalidCommandError) as err:
        build(**values)
    assert err.value.code == "invalid_command"
    fields: dict[str, str] = err.value.details["fields"]
    for name in fields:
        assert name in err.value.message
    return fields


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("title", "", "must not be empty"),
        ("title", "   ", "must not be empty"),
        ("title", "x" * (TITLE_MAX + 1), f"at most {TITLE_MAX}"),
        ("title", 42, "must be a string"),
        ("type", "incidnet", "is not one of"),
        ("impact", 0, "between 1 and 3"),
        ("impact", 4, "between 1 and 3"),
        ("impact", "2", "must be an integer"),
        ("impact", True, "must be an integer"),
        ("urgency", -1, "between 1 and 3"),
        ("priority_override", "P0", "is not one of"),
        ("requester_id", " bob", "whitespace"),
        ("requester_id", "bo\x00b", "control characters"),
        ("channel", "x" * (NAME_MAX + 1), f"at most {NAME_MAX}"),
        ("description", "x" * (TEXT_MAX + 1), f"at most {TEXT_MAX}"),
        ("tags", ("ok", ""), "must not be empty"),
        ("tags", tuple(f"t{i}" for i in range(m.MAX_TAGS + 1)), "at most"),
        ("command_id", "", "must not be empty"),
        ("expected_version", 0, "between 1"),
    ],
)
def test_open_ticket_names_the_bad_field(
    field: str, value: object, reason: str
) -> None:
    fields = bad_fields(open_ticket, **{field: value})

    assert set(fields) == {field} | (
        {"priority_override_reason"} if field == "priority_override" else set()
    )
    assert reason in fields[field]


def test_every_bad_field_is_listed_at_once() -> None:
    fields = bad_fields(
        open_ticket, title="", type="bug", impact=7, urgency=0, requester_id=""
    )

    assert set(fields) == {"title", "type", "impact", "urgency", "requester_id"}


def test_an_override_needs_a_reason() -> None:
    fields = bad_fields(open_ticket, priority_override="P1")

    assert set(fields) == {"priority_override_reason"}
    assert open_ticket(priority_override="P1", priority_override_reason="VIP")


@pytest.mark.parametrize(
    ("build", "values", "expected"),
    [
        (m.PutOnHold, {"reason": "awaiting_godot"}, {"reason"}),
        (m.PutOnHold, {"reason": "awaiting_caller", "note": 3}, {"note"}),
        (m.ChangePriority, {}, {"impact"}),
        (m.ChangePriority, {"impact": 4, "urgency": 0}, {"impact", "urgency"}),
        (
            m.ChangePriority,
            {"priority_override": "P9"},
            {"priority_override", "reason"},
        ),
        (m.ChangePriority, {"priority_override": "P1"}, {"reason"}),
        (m.AddComment, {"body": ""}, {"body"}),
        (m.AddComment, {"body": "hi", "visibility": "secret"}, {"visibility"}),
        (m.AddComment, {"body": "hi", "author_kind": "robot"}, {"author_kind"}),
        (m.RouteTicket, {"queue": ""}, {"queue"}),
        (m.AssignTicket, {"agent_id": "zoe\n"}, {"agent_id"}),
        (m.EscalateTicket, {"reason": "x", "level": 10}, {"level"}),
        (m.ResolveTicket, {"resolution_code": ""}, {"resolution_code"}),
        (m.ReopenTicket, {"reason": " "}, {"reason"}),
        (m.CancelTicket, {"reason": ""}, {"reason"}),
        (m.LinkTickets, {"kind": "sibling", "target_id": "x"}, {"kind", "target_id"}),
        (m.TagTicket, {"tag": ""}, {"tag"}),
    ],
)
def test_ticket_commands_name_their_bad_fields(
    build: type[m.TicketCommand], values: dict[str, Any], expected: set[str]
) -> None:
    assert set(bad_fields(build, ticket_id=TICKET, **values)) == expected


def test_a_ticket_command_needs_a_uuid() -> None:
    fields = bad_fields(m.CloseTicket, ticket_id="INC0000001")

    assert set(fields) == {"ticket_id"}


GOOD: dict[str, dict[str, Any]] = {
    "open_ticket": {
        "type": "change",
        "title": "t",
        "impact": 1,
        "urgency": 3,
        "requester_id": "r",
    },
    "add_comment": {"body": "b"},
    "route_ticket": {"queue": "q"},
    "assign_ticket": {"agent_id": "a"},
    "unassign_ticket": {},
    "change_priority": {"urgency": 1},
    "put_on_hold": {"reason": "awaiting_change"},
    "resume_ticket": {},
    "escalate_ticket": {"reason": "r"},
    "resolve_ticket": {"resolution_code": "fixed"},
    "reopen_ticket": {"reason": "r"},
    "close_ticket": {},
    "cancel_ticket": {"reason": "r"},
    "link_tickets": {"kind": "problem", "target_id": uuid.uuid4()},
    "unlink_tickets": {"kind": "problem", "target_id": uuid.uuid4()},
    "tag_ticket": {"tag": "t"},
    "untag_ticket": {"tag": "t"},
}


@pytest.mark.parametrize("name", sorted(m.COMMANDS))
def test_every_registered_command_builds_from_good_values(name: str) -> None:
    cls = m.COMMANDS[name]
    values = dict(GOOD[name])
    if issubclass(cls, m.TicketCommand):
        values["ticket_id"] = TICKET

    command = cls(**values)

    assert command.name == name
    assert uuid.UUID(command.command_id)
    assert "command_id" not in command.payload()
    assert "expected_version" not in command.payload()


def test_the_registry_covers_every_command() -> None:
    assert set(GOOD) == set(m.COMMANDS)


def test_payload_is_json_able() -> None:
    target = uuid.uuid4()
    cmd = m.LinkTickets(ticket_id=TICKET, kind="parent", target_id=target)

    assert cmd.payload() == {
        "ticket_id": str(TICKET),
        "kind": "parent",
        "target_id": str(target),
    }
    assert open_ticket(tags=("a", "b")).payload()["tags"] == ["a", "b"]
