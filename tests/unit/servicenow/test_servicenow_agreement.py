"""Agreement: figures compared per incident, mismatches explained from the rows."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.servicenow_rows import csv_lines, row
from ticketing.importers.servicenow.agreement import FigureAgreement, compare
from ticketing.importers.servicenow.figures import Figures
from ticketing.importers.servicenow.opening import Note
from ticketing.importers.servicenow.source import SourceRow, read_log

DONE = {"resolved_at": "01-03-2016 10:00", "closed_at": "02-03-2016 10:00"}


def rows(*items: dict[str, str]) -> list[SourceRow]:
    return list(read_log(csv_lines(*items)).rows)


def t(day: int, hour: int) -> datetime:
    return datetime(2016, 3, day, hour, tzinfo=UTC)


def by_figure(result: list[FigureAgreement]) -> dict[str, FigureAgreement]:
    return {a.figure: a for a in result}


def test_an_incident_the_engine_lacks_is_a_mismatch() -> None:
    source = rows(row("01-03-2016 09:00", "Closed", **DONE))

    result = by_figure(compare({"INC0000001": source}, {"INC0000001": None}, []))

    closed = result["closed_at"]
    assert (closed.agreed, closed.compared) == (0, 1)
    assert closed.mismatches[0].explanation == "not imported"


def test_a_mismatch_without_evidence_is_unexplained() -> None:
    source = rows(row("01-03-2016 09:00", "Closed", **DONE, reopen_count="1"))
    engine = Figures(0, 0, t(1, 10), t(2, 10))

    result = by_figure(compare({"INC0000001": source}, {"INC0000001": engine}, []))

    reopen = result["reopen_count"]
    [mismatch] = reopen.mismatches
    assert (mismatch.explained, mismatch.explanation) == (False, "unexplained")
    assert reopen.as_dict()["unexplained"] == 1


def test_clamped_times_and_changes_while_resolved_explain_mismatches() -> None:
    source = rows(
        row("01-03-2016 09:00", "New"),
        row("01-03-2016 10:00", "Closed", **DONE, reassignment_count="1",
            assignment_group="Group 9"),
    )  # fmt: skip
    engine = Figures(0, 0, t(1, 11), t(2, 10))
    notes = [
        Note("time_clamped", "INC0000001", 3, "raised"),
        Note("changed_while_resolved", "INC0000001", 3, "route_ticket"),
    ]

    result = by_figure(compare({"INC0000001": source}, {"INC0000001": engine}, notes))

    resolved = result["resolved_at"].mismatches[0]
    assert "time raised" in resolved.explanation
    moved = result["reassignment_count"].mismatches[0]
    assert "while resolved" in moved.explanation
