"""Run a planned command script through the command service, all-or-nothing per unit.

Every unit (one ticket, or tickets linked both ways) runs in one outer
transaction: the service's own transactions join it, so a refused line rolls
back every event, command record and ticket number of that unit. Each command
carries its line's time as ``occurred_at`` with an import actor (the only path
that may give a past time; the aggregate refuses a time earlier than the
ticket's previous event). Re-running a script replays the same command ids,
which the service answers from its idempotency records without writing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from eventsourcing.persistence import PersistenceError

from ticketing.commands.script import LineError, parse_script
from ticketing.commands.script_plan import plan_script, with_ids
from ticketing.commands.script_report import Outcome, ScriptReport, TicketOutcome
from ticketing.commands.service import CommandContext
from ticketing.errors import ConcurrencyConflictError, TicketingError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from uuid import UUID

    from ticketing.commands.script import ScriptStep
    from ticketing.commands.script_plan import PlannedStep, ScriptPlan, TicketPlan
    from ticketing.commands.service import CommandResult, TicketService

logger = logging.getLogger(__name__)

#: A unit that lost a race with a concurrent writer (or hit a store error) is
#: rolled back and run once more: its commands that did commit elsewhere are
#: then replayed from their idempotency records.
ATTEMPTS: Final = 2
RETRYABLE: Final = (ConcurrencyConflictError, PersistenceError)


@dataclass
class _Tally:
    number: str | None = None
    ticket_id: UUID | None = None
    applied: int = 0
    replayed: int = 0
    events: int = 0
    positions: list[int] = field(default_factory=list)


class ScriptRunner:
    """Executes a ScriptPlan; one instance per run."""

    def __init__(self, service: TicketService, plan: ScriptPlan) -> None:
        self.service = service
        self.plan = plan
        self.ids: dict[str, UUID] = {}
        self.outcomes: dict[str, TicketOutcome] = {}
        self._first: int | None = None
        self._last: int | None = None

    def run(self) -> ScriptReport:
        if self.plan.refused:
            self._refuse_all()
        else:
            for unit in self.plan.units:
                self._run_unit(unit)
        ordered = tuple(self.outcomes[label] for label in self.plan.tickets)
        return ScriptReport(
            lines=self.plan.lines,
            tickets=ordered,
            script_errors=self.plan.script_errors,
            first_position=self._first,
            last_position=self._last,
        )

    # -- refusals -----------------------------------------------------------

    def _refuse_all(self) -> None:
        first = self.plan.script_errors[0]
        for label, ticket in self.plan.tickets.items():
            reason = LineError(
                first.line,
                "script_refused",
                f"nothing imported: line {first.line} cannot be tied to a ticket "
                f"({first.message})",
                ticket=label,
            )
            self._fail(ticket, (*ticket.errors, reason))

    def _blocked(self, unit: tuple[str, ...]) -> dict[str, tuple[LineError, ...]]:
        tickets = [self.plan.tickets[label] for label in unit]
        broken = [t for t in tickets if t.errors]
        if broken:
            cause = broken[0]
            assert cause.error is not None  # noqa: S101 - broken means errors
            return {
                t.label: t.errors or (_linked_error(t.label, cause.label, cause.error),)
                for t in tickets
            }
        for ticket in tickets:
            for planned in ticket.steps:
                target = planned.target
                failed = self.outcomes.get(target) if target else None
                if failed is not None and failed.status == "not_imported":
                    error = _dependency_error(planned, failed)
                    return {t.label: (error,) for t in tickets}
        return {}

    def _fail(self, ticket: TicketPlan, errors: tuple[LineError, ...]) -> None:
        self.outcomes[ticket.label] = TicketOutcome(
            label=ticket.label,
            status="not_imported",
            lines=tuple(p.step.line for p in ticket.steps),
            number=None if ticket.local else ticket.label,
            errors=errors,
        )

    # -- execution ----------------------------------------------------------

    def _run_unit(self, unit: tuple[str, ...]) -> None:
        blocked = self._blocked(unit)
        if blocked:
            for label in unit:
                self._fail(self.plan.tickets[label], blocked[label])
            return
        steps = sorted(
            (p for label in unit for p in self.plan.tickets[label].steps),
            key=lambda p: (p.step.at, not p.step.is_open, p.step.line),
        )
        for attempt in range(1, ATTEMPTS + 1):
            tallies = {label: _Tally() for label in unit}
            ids: dict[str, UUID] = {}
            current: PlannedStep | None = None
            try:
                with self.service.app.log_recorder.transaction(commit=True):
                    for current in steps:
                        result = self._execute(current, ids)
                        _count(tallies[current.ticket], result)
                        ids.setdefault(current.ticket, result.ticket_id)
            except RETRYABLE as exc:
                if attempt < ATTEMPTS:
                    logger.info("unit %s: %s; retrying", unit[0], exc)
                    continue
                assert current is not None  # noqa: S101 - failed while running a step
                self._unit_failed(unit, current, exc)
                return
            except TicketingError as exc:
                assert current is not None  # noqa: S101 - failed while running a step
                self._unit_failed(unit, current, exc)
                return
            break
        self.ids.update(ids)
        for label in unit:
            self._succeeded(self.plan.tickets[label], tallies[label])

    def _execute(self, planned: PlannedStep, ids: dict[str, UUID]) -> CommandResult:
        step = planned.step
        ticket_id = None if step.is_open else self._id_of(planned.ticket, ids)
        target_id = self._id_of(planned.target, ids) if planned.target else None
        command = with_ids(planned, ticket_id, target_id)
        ctx = CommandContext(
            actor=step.actor,
            correlation_id=step.correlation_id,
            causation_id=step.causation_id,
            rule_id=step.rule_id,
            rule_set_version=step.rule_set_version,
            occurred_at=step.at,
        )
        return self.service.execute(command, ctx)

    def _id_of(self, label: str, ids: dict[str, UUID]) -> UUID:
        known = ids.get(label) or self.ids.get(label)
        if known is not None:
            return known
        ticket_id = self.service.resolve_ref(label)
        ids[label] = ticket_id
        return ticket_id

    def _unit_failed(
        self, unit: tuple[str, ...], step: PlannedStep, exc: Exception
    ) -> None:
        if isinstance(exc, TicketingError):
            fields = exc.details.get("fields")
            code, message = exc.code, exc.message
        else:
            logger.warning("store error at line %s: %s", step.step.line, exc)
            fields, code, message = None, "store_error", str(exc)
        cause = LineError(step.step.line, code, message, fields, step.ticket)
        for label in unit:
            ticket = self.plan.tickets[label]
            error = (
                cause
                if label == step.ticket
                else _linked_error(label, step.ticket, cause)
            )
            self._fail(ticket, (error,))

    def _succeeded(self, ticket: TicketPlan, tally: _Tally) -> None:
        status: Outcome = "imported" if tally.applied else "unchanged"
        self.outcomes[ticket.label] = TicketOutcome(
            label=ticket.label,
            status=status,
            lines=tuple(p.step.line for p in ticket.steps),
            number=tally.number,
            ticket_id=tally.ticket_id,
            applied=tally.applied,
            replayed=tally.replayed,
            events=tally.events,
        )
        if tally.positions:
            low, high = min(tally.positions), max(tally.positions)
            self._first = low if self._first is None else min(self._first, low)
            self._last = high if self._last is None else max(self._last, high)


def _count(tally: _Tally, result: CommandResult) -> None:
    tally.number, tally.ticket_id = result.number, result.ticket_id
    if result.replayed:
        tally.replayed += 1
        return
    tally.applied += 1
    tally.events += result.events
    tally.positions.append(result.position)


def _linked_error(label: str, cause_label: str, cause: LineError) -> LineError:
    message = (
        f"not imported with {cause_label}, which it is linked with both ways "
        f"(line {cause.line}: {cause.message})"
    )
    return LineError(cause.line, "linked_ticket_failed", message, ticket=label)


def _dependency_error(planned: PlannedStep, failed: TicketOutcome) -> LineError:
    cause = failed.errors[0] if failed.errors else None
    why = f" (line {cause.line}: {cause.message})" if cause else ""
    message = f"refers to {failed.label}, which was not imported{why}"
    return LineError(
        planned.step.line, "dependency_failed", message, ticket=planned.ticket
    )


def run_steps(
    service: TicketService,
    steps: Iterable[ScriptStep],
    *,
    now: datetime | None = None,
    parse_errors: Iterable[LineError] = (),
    lines: int = 0,
) -> ScriptReport:
    """Plan and run ``steps`` (from a file, the demo or an importer)."""
    plan = plan_script(
        steps,
        now=now or service.clock.now(),
        parse_errors=tuple(parse_errors),
        lines=lines,
    )
    return ScriptRunner(service, plan).run()


def run_script_lines(
    service: TicketService, lines: Iterable[str | bytes], *, now: datetime | None = None
) -> ScriptReport:
    """Parse, plan and run a JSON Lines command script."""
    parsed = parse_script(lines)
    return run_steps(
        service, parsed.steps, now=now, parse_errors=parsed.errors, lines=parsed.lines
    )
