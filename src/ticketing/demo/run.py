"""Run the demo generator's steps through the script runner and summarise them."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from ticketing.commands.script_runner import run_steps
from ticketing.demo.generator import DemoGenerator

if TYPE_CHECKING:
    from ticketing.commands.script_report import ScriptReport
    from ticketing.commands.service import TicketService

DEFAULT_TICKETS: Final = 200
DEFAULT_SEED: Final = 1
#: A Monday: fixed, so that the same seed gives the same history on any day.
DEFAULT_START: Final = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    seed: int
    steps: int
    report: ScriptReport
    first_at: datetime | None
    last_at: datetime | None
    types: dict[str, int]
    states: dict[str, int]
    elapsed: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.report.ok,
            "seed": self.seed,
            "tickets": len(self.report.tickets),
            "written": self.report.count("imported"),
            "already_present": self.report.count("unchanged"),
            "not_imported": self.report.count("not_imported"),
            "commands": self.steps,
            "events_written": self.report.events,
            "span": [
                None if self.first_at is None else self.first_at.isoformat(),
                None if self.last_at is None else self.last_at.isoformat(),
            ],
            "types": self.types,
            "states": self.states,
            "elapsed_s": round(self.elapsed, 3),
            "errors": [t.as_dict() for t in self.report.failed()],
        }


def run_demo(
    service: TicketService,
    tickets: int = DEFAULT_TICKETS,
    seed: int = DEFAULT_SEED,
    start: datetime = DEFAULT_START,
) -> DemoSummary:
    """Generate and write the history; a second run with the same seed adds nothing."""
    started = time.perf_counter()
    steps = DemoGenerator(tickets=tickets, seed=seed, start=start).generate()
    report = run_steps(service, steps)
    types = Counter(str(s.args["type"]) for s in steps if s.is_open)
    states: Counter[str] = Counter()
    for outcome in report.tickets:
        if outcome.ticket_id is not None:
            states[service.load(outcome.ticket_id).state] += 1
    return DemoSummary(
        seed=seed,
        steps=len(steps),
        report=report,
        first_at=min((s.at for s in steps), default=None),
        last_at=max((s.at for s in steps), default=None),
        types=dict(sorted(types.items())),
        states=dict(sorted(states.items())),
        elapsed=time.perf_counter() - started,
    )
