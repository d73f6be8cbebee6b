"""Import a ServiceNow incident log: translate to script steps, run them, compare.

One mechanism: the log becomes command-script steps (``translate``), which the
script runner executes exactly like a recorded script (all-or-nothing per
ticket, idempotent re-runs). Problem ids become placeholder problem tickets,
opened when the first incident links to them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.commands.script import LineError, ScriptStep
from ticketing.commands.script_runner import run_steps
from ticketing.importers.servicenow.agreement import FigureAgreement, compare
from ticketing.importers.servicenow.figures import Figures, engine_figures
from ticketing.importers.servicenow.opening import IMPORTER, Note, ProblemRef
from ticketing.importers.servicenow.source import SourceLog, read_log
from ticketing.importers.servicenow.translate import IncidentTranslator

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from ticketing.commands.script_report import ScriptReport
    from ticketing.commands.service import TicketService
    from ticketing.importers.servicenow.source import SourceRow
    from ticketing.policies.priority import PriorityMatrix


@dataclass(frozen=True, slots=True)
class Translation:
    """The steps for a whole log, the notes, and the rows per incident."""

    steps: tuple[ScriptStep, ...]
    notes: tuple[Note, ...]
    incidents: Mapping[str, Sequence[SourceRow]]


def group_rows(rows: Iterable[SourceRow]) -> dict[str, list[SourceRow]]:
    """Rows per incident, in source order (incidents by first appearance)."""
    grouped: dict[str, list[SourceRow]] = {}
    for row in rows:
        grouped.setdefault(row.number, []).append(row)
    return grouped


def translate_log(log: SourceLog, matrix: PriorityMatrix) -> Translation:
    incidents = group_rows(log.rows)
    steps: list[ScriptStep] = []
    notes = [
        Note("rejected_row", r.number or "?", r.line, r.reason) for r in log.rejected
    ]
    problems: list[ProblemRef] = []
    for rows in incidents.values():
        done = IncidentTranslator(rows, matrix).translate()
        steps.extend(done.steps)
        notes.extend(done.notes)
        problems.extend(done.problems)
    placeholders = _problem_steps(problems)
    notes.extend(
        Note("problem_placeholder", s.key or "", s.line, "PRB ticket opened")
        for s in placeholders
    )
    return Translation((*placeholders, *steps), tuple(notes), incidents)


def _problem_steps(refs: Sequence[ProblemRef]) -> list[ScriptStep]:
    """One placeholder per problem: at its earliest link, before its first line."""
    first: dict[str, ProblemRef] = {}
    for ref in refs:
        known = first.get(ref.key)
        first[ref.key] = (
            ref
            if known is None
            else ProblemRef(
                ref.key, known.value, min(ref.at, known.at), min(ref.line, known.line)
            )
        )
    return [
        ScriptStep(
            line=ref.line,
            at=ref.at,
            actor=IMPORTER,
            command="open_ticket",
            key=ref.key,
            args={
                "type": "problem",
                "title": f"ServiceNow {ref.value} (placeholder)",
                "description": "Problem referred to by imported incidents; the "
                "log has no problem records, only this id.",
                "impact": 2,
                "urgency": 2,
                "requester_id": IMPORTER.id,
                "channel": "import",
                "tags": ["servicenow", "placeholder"],
            },
        )
        for ref in sorted(first.values(), key=lambda r: (r.line, r.key))
    ]


@dataclass(frozen=True, slots=True)
class ServiceNowReport:
    """Everything the import did and how the engine's figures compare."""

    zone: str
    source_rows: int
    incidents: int
    script: ScriptReport
    notes: tuple[Note, ...]
    agreement: tuple[FigureAgreement, ...]

    @property
    def ok(self) -> bool:
        return self.script.ok

    def note_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(n.kind for n in self.notes).items()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "timezone": self.zone,
            "source_rows": self.source_rows,
            "incidents": self.incidents,
            "import": self.script.as_dict(),
            "notes": {
                "counts": self.note_counts(),
                "items": [n.as_dict() for n in self.notes],
            },
            "agreement": [a.as_dict() for a in self.agreement],
        }


def import_servicenow(
    service: TicketService, lines: Iterable[str], zone: str = "UTC"
) -> ServiceNowReport:
    """Read, translate, run, then compare the engine's figures with the source."""
    log = read_log(lines, zone)
    translation = translate_log(log, service.matrix)
    report = run_steps(service, translation.steps, lines=len(log.rows))
    engine: dict[str, Figures | None] = {}
    outcomes = {t.label: t for t in report.tickets}
    for number in translation.incidents:
        outcome = outcomes.get(number)
        ticket_id = outcome.ticket_id if outcome else None
        engine[number] = (
            engine_figures(service.app, ticket_id) if ticket_id is not None else None
        )
    agreement = compare(translation.incidents, engine, translation.notes)
    return ServiceNowReport(
        zone=log.zone,
        source_rows=len(log.rows) + len(log.rejected),
        incidents=len(translation.incidents),
        script=report,
        notes=translation.notes,
        agreement=tuple(agreement),
    )


__all__ = ["LineError", "ServiceNowReport", "import_servicenow", "translate_log"]
