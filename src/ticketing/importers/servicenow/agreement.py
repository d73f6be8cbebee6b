"""Agreement of the engine's figures with the source's, with every mismatch explained.

Explanations are looked for in the source rows (the evidence for why the two
differ); a mismatch with no such evidence is reported as unexplained.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ticketing.importers.servicenow.figures import FIGURES, Figures, source_figures

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from ticketing.importers.servicenow.source import SourceRow
    from ticketing.importers.servicenow.translate import Note


@dataclass(frozen=True, slots=True)
class Mismatch:
    incident: str
    figure: str
    engine: object
    source: object
    explanation: str
    explained: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "figure": self.figure,
            "engine": self.engine,
            "source": self.source,
            "explained": self.explained,
            "explanation": self.explanation,
        }


@dataclass
class FigureAgreement:
    """One figure over all incidents: compared, agreed, source missing, mismatches."""

    figure: str
    compared: int = 0
    agreed: int = 0
    source_missing: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.agreed / self.compared if self.compared else 100.0

    @property
    def explained(self) -> int:
        return sum(1 for m in self.mismatches if m.explained)

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "compared": self.compared,
            "agreed": self.agreed,
            "percent": round(self.percent, 2),
            "explained": self.explained,
            "unexplained": len(self.mismatches) - self.explained,
            "source_missing": self.source_missing,
            "mismatches": [m.as_dict() for m in self.mismatches],
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the explanation finders may look at for one incident."""

    rows: Sequence[SourceRow]
    notes: Sequence[Note]
    engine: Figures


def compare(
    incidents: Mapping[str, Sequence[SourceRow]],
    engine: Mapping[str, Figures | None],
    notes: Sequence[Note],
) -> list[FigureAgreement]:
    """Agreement per figure; an incident the engine lacks counts as a mismatch."""
    by_incident: dict[str, list[Note]] = {}
    for note in notes:
        by_incident.setdefault(note.number, []).append(note)
    results = {name: FigureAgreement(name) for name in FIGURES}
    for number, rows in incidents.items():
        source = source_figures(rows)
        mine = engine.get(number)
        for name in FIGURES:
            result = results[name]
            wanted = source.value(name)
            if wanted is None:
                result.source_missing.append(number)
                continue
            result.compared += 1
            if mine is None:
                result.mismatches.append(
                    Mismatch(number, name, None, wanted, "not imported", False)
                )
                continue
            got = mine.value(name)
            if got == wanted:
                result.agreed += 1
                continue
            evidence = Evidence(rows, by_incident.get(number, []), mine)
            text = EXPLAIN[name](evidence, source)
            result.mismatches.append(
                Mismatch(number, name, got, wanted, text or "unexplained", bool(text))
            )
    return list(results.values())


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _counter_without_change(column: str, watched: str) -> Callable[..., str | None]:
    def find(evidence: Evidence, source: Figures) -> str | None:
        del source
        rows = evidence.rows
        for before, row in itertools.pairwise(rows):
            rose = _int(row.get(column)) > _int(before.get(column))
            if rose and row.get(watched) == before.get(watched):
                return (
                    f"the source's {column} rose at line {row.line} without a "
                    f"visible change of {watched} (an update the log does not show)"
                )
        skipped = [n for n in evidence.notes if n.kind == "changed_while_resolved"]
        if skipped:
            return f"change while resolved not recorded (line {skipped[0].line})"
        return None

    return find


def _restamped(state: str, column: str) -> Callable[[Evidence, Figures], str | None]:
    def find(evidence: Evidence, source: Figures) -> str | None:
        wanted = getattr(source, column)
        got = getattr(evidence.engine, column)
        for row in evidence.rows:
            if (
                row.get("incident_state") == state
                and row.updated_at == wanted
                and (got is None or row.updated_at > got)
            ):
                return (
                    f"the source moves {column} whenever the incident is saved "
                    f"while {state}: its value is the update at line {row.line}; "
                    f"the engine keeps the time the incident became {state}"
                )
        clamped = [n for n in evidence.notes if n.kind == "time_clamped"]
        if clamped:
            return f"time raised to keep the ticket's order (line {clamped[0].line})"
        return None

    return find


EXPLAIN: dict[str, Callable[[Evidence, Figures], str | None]] = {
    "reassignment_count": _counter_without_change(
        "reassignment_count", "assignment_group"
    ),
    "reopen_count": _counter_without_change("reopen_count", "incident_state"),
    "resolved_at": _restamped("Resolved", "resolved_at"),
    "closed_at": _restamped("Closed", "closed_at"),
}
