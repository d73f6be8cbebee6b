"""ServiceNow rows to script steps: each kind of messy row is handled on purpose."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest

from tests.support.servicenow_rows import HEADER, csv_lines, row
from ticketing.errors import ConfigurationError, InvalidCommandError
from ticketing.importers.servicenow.importer import Translation, translate_log
from ticketing.importers.servicenow.source import read_log
from ticketing.policies.priority import load_priority_matrix

if TYPE_CHECKING:
    from ticketing.commands.script import ScriptStep

MATRIX = load_priority_matrix()


def translate(*rows: dict[str, str] | list[str], zone: str = "UTC") -> Translation:
    return translate_log(read_log(csv_lines(*rows), zone), MATRIX)


def commands(result: Translation) -> list[str]:
    return [s.command for s in result.steps]


def notes(result: Translation) -> Counter[str]:
    return Counter(n.kind for n in result.notes)


def step(result: Translation, command: str) -> ScriptStep:
    return next(s for s in result.steps if s.command == command)


def test_a_plain_incident_becomes_open_route_resolve_close() -> None:
    result = translate(
        row("01-03-2016 09:05", "New"),
        row("01-03-2016 10:00", "Resolved"),
        row("06-03-2016 10:00", "Closed"),
    )

    assert commands(result) == [
        "open_ticket",
        "route_ticket",
        "resolve_ticket",
        "close_ticket",
    ]
    opened = step(result, "open_ticket")
    assert opened.args["number"] == "INC0000001"
    assert opened.at.isoformat() == "2016-03-01T09:00:00+00:00"
    assert opened.actor.id == "Opened by  1"
    assert step(result, "resolve_ticket").actor.id == "Updated by 1"
    assert notes(result) == Counter({"no_change": 1})


def test_question_marks_are_missing_values() -> None:
    result = translate(
        row("01-03-2016 09:00", "New", assignment_group="?", caller_id="?")
    )

    assert step(result, "route_ticket").args == {"queue": "unassigned", "group": None}
    assert step(result, "open_ticket").args["requester_id"] == "servicenow-unknown"


def test_rows_that_change_nothing_are_skipped() -> None:
    result = translate(
        row("01-03-2016 09:00", "New"),
        row("01-03-2016 09:00", "New", sys_updated_by="Updated by 2"),
        row("01-03-2016 11:00", "Active", sys_mod_count="2"),
    )

    assert commands(result) == ["open_ticket", "route_ticket"]
    assert notes(result)["no_change"] == 3


def test_closed_without_resolved_records_a_resolve_first() -> None:
    result = translate(
        row("01-03-2016 09:00", "New"), row("02-03-2016 09:00", "Closed")
    )

    assert commands(result)[-2:] == ["resolve_ticket", "close_ticket"]
    assert notes(result)["closed_without_resolve"] == 1


def test_a_row_earlier_than_the_previous_change_is_raised_to_it() -> None:
    result = translate(
        row("01-03-2016 09:00", "New"),
        row("01-03-2016 12:00", "New", assignment_group="Group 2"),
        row("01-03-2016 11:00", "Resolved"),
    )

    resolve = step(result, "resolve_ticket")
    assert resolve.at.isoformat() == "2016-03-01T12:00:00+00:00"
    assert resolve.line == 4
    assert notes(result)["time_clamped"] == 1


def test_rows_after_the_close_are_skipped() -> None:
    result = translate(
        row("01-03-2016 09:00", "Resolved"),
        row("02-03-2016 09:00", "Closed"),
        row("03-03-2016 09:00", "Closed"),
        row("04-03-2016 09:00", "Active"),
    )

    assert commands(result).count("close_ticket") == 1
    assert notes(result)["repeated_close"] == 1
    assert notes(result)["after_close"] == 1


def test_resolved_then_active_is_a_reopen() -> None:
    result = translate(
        row("01-03-2016 09:00", "Resolved"),
        row("01-03-2016 10:00", "Active", reopen_count="1"),
    )

    assert commands(result)[-1] == "reopen_ticket"


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("Awaiting User Info", "awaiting_caller"),
        ("Awaiting Vendor", "awaiting_vendor"),
        ("Awaiting Problem", "awaiting_problem"),
        ("Awaiting Evidence", "awaiting_caller"),
    ],
)
def test_awaiting_states_are_holds(state: str, reason: str) -> None:
    result = translate(row("01-03-2016 09:00", "New"), row("01-03-2016 10:00", state))

    assert step(result, "put_on_hold").args["reason"] == reason


def test_a_new_hold_reason_resumes_then_holds_again() -> None:
    result = translate(
        row("01-03-2016 09:00", "Awaiting User Info"),
        row("01-03-2016 10:00", "Awaiting Vendor"),
    )

    assert commands(result)[-3:] == ["put_on_hold", "resume_ticket", "put_on_hold"]


def test_the_source_priority_is_kept_as_an_override_when_the_matrix_differs() -> None:
    result = translate(
        row("01-03-2016 09:00", "New", impact="3 - Low", urgency="3 - Low",
            priority="4 - Low"),
        row("01-03-2016 10:00", "New", impact="1 - High", urgency="1 - High",
            priority="1 - Critical"),
    )  # fmt: skip

    opened = step(result, "open_ticket").args
    assert (opened["priority_override"], opened["impact"], opened["urgency"]) == (
        "P4",
        3,
        3,
    )
    assert "4 - Low" in opened["priority_override_reason"]
    assert step(result, "change_priority").args == {"impact": 1, "urgency": 1}


def test_problem_ids_become_placeholder_problems_and_links() -> None:
    result = translate(
        row("01-03-2016 09:00", "New", problem_id="Problem ID  2"),
        row("01-03-2016 10:00", "New", problem_id="Problem ID  3"),
    )

    placeholders = [s for s in result.steps if s.is_open and s.key]
    assert [s.key for s in placeholders] == ["prb.problem-id-2", "prb.problem-id-3"]
    assert commands(result)[-2:] == ["unlink_tickets", "link_tickets"]
    assert step(result, "link_tickets").target == "@prb.problem-id-2"


def test_changes_while_resolved_are_noted_not_recorded() -> None:
    result = translate(
        row("01-03-2016 09:00", "Resolved"),
        row("01-03-2016 10:00", "Resolved", assigned_to="Resolver 9"),
    )

    assert "assign_ticket" not in commands(result)
    assert notes(result)["changed_while_resolved"] == 1


def test_unreadable_rows_are_rejected_with_their_line() -> None:
    short = ["INC0000002", "New"]
    result = translate(
        row("01-03-2016 09:00", "New"),
        row("yesterday", "New"),
        short,
        row("01-03-2016 10:00", "-100"),
    )

    rejected = [(n.line, n.kind) for n in result.notes if n.kind == "rejected_row"]
    assert rejected == [(3, "rejected_row"), (4, "rejected_row")]
    assert notes(result)["unknown_state"] == 1


def test_times_are_read_in_the_given_zone() -> None:
    result = translate(
        row("01-07-2016 09:30", "Resolved", opened_at="01-07-2016 09:00"),
        zone="Europe/Lisbon",
    )

    assert step(result, "open_ticket").at.isoformat() == "2016-07-01T08:00:00+00:00"
    assert step(result, "resolve_ticket").at.isoformat() == "2016-07-01T08:30:00+00:00"


def test_a_bad_zone_or_a_foreign_file_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        read_log(csv_lines(), "Mars/Olympus")
    with pytest.raises(InvalidCommandError):
        read_log(["a,b,c\n", "1,2,3\n"])
    assert len(HEADER) == 36


def test_rows_with_undecodable_bytes_are_rejected() -> None:
    good = row("01-03-2016 09:00", "New")
    broken = row("01-03-2016 10:00", "New", caller_id="Caller \ufffd")

    result = translate(good, broken)

    assert [(n.kind, n.line) for n in result.notes][:1] == [("rejected_row", 3)]


def test_missing_opened_at_impact_and_number_are_handled() -> None:
    result = translate(
        row("01-03-2016 09:30", "New", opened_at="?", impact="?", urgency="9 - Odd"),
        row("01-03-2016 10:00", "New", number="?"),
    )

    opened = step(result, "open_ticket")
    assert opened.at.isoformat() == "2016-03-01T09:30:00+00:00"
    assert (opened.args["impact"], opened.args["urgency"]) == (2, 2)
    kinds = notes(result)
    assert (kinds["missing_opened_at"], kinds["rejected_row"]) == (1, 1)
    assert kinds["missing_value"] >= 2


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidCommandError):
        read_log([])
