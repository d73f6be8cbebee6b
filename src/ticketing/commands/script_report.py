"""What a script run did, per ticket: imported, unchanged or not imported, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.commands.script import LineError

Outcome = Literal["imported", "unchanged", "not_imported"]


@dataclass(frozen=True, slots=True)
class TicketOutcome:
    """One ticket of the script after the run."""

    label: str
    status: Outcome
    lines: tuple[int, ...]
    number: str | None = None
    ticket_id: UUID | None = None
    applied: int = 0
    replayed: int = 0
    events: int = 0
    errors: tuple[LineError, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "ticket": self.label,
            "status": self.status,
            "number": self.number,
            "ticket_id": None if self.ticket_id is None else str(self.ticket_id),
            "lines": [min(self.lines), max(self.lines)] if self.lines else [],
            "commands": len(self.lines),
            "applied": self.applied,
            "replayed": self.replayed,
            "events": self.events,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass(frozen=True, slots=True)
class ScriptReport:
    """The outcome of one run: every ticket, plus lines that refused the script."""

    lines: int
    tickets: tuple[TicketOutcome, ...]
    script_errors: tuple[LineError, ...] = ()
    first_position: int | None = None
    last_position: int | None = None

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.script_errors and all(
            t.status != "not_imported" for t in self.tickets
        )

    def count(self, status: Outcome) -> int:
        return sum(1 for t in self.tickets if t.status == status)

    @property
    def events(self) -> int:
        return sum(t.events for t in self.tickets)

    @property
    def applied(self) -> int:
        return sum(t.applied for t in self.tickets)

    @property
    def replayed(self) -> int:
        return sum(t.replayed for t in self.tickets)

    def failed(self) -> tuple[TicketOutcome, ...]:
        return tuple(t for t in self.tickets if t.status == "not_imported")

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "lines": self.lines,
            "tickets": {
                "total": len(self.tickets),
                "imported": self.count("imported"),
                "unchanged": self.count("unchanged"),
                "not_imported": self.count("not_imported"),
            },
            "commands": {"applied": self.applied, "replayed": self.replayed},
            "events": self.events,
            "positions": [self.first_position, self.last_position],
            "script_errors": [e.as_dict() for e in self.script_errors],
            "results": [t.as_dict() for t in self.tickets],
        }
