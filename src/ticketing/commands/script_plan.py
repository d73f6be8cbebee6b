"""Plan a command script (pure): validate, group by ticket, derive ids, order.

Each step is checked (arguments per field, ticket references, time order per
ticket, no future times) and gets a deterministic command id, so that running
a script twice is a no-op. Tickets that refer to each other (links) are run
after the tickets they refer to; tickets that refer to each other both ways
form one unit, which is imported or refused as a whole.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from ticketing.commands.parsing import parse_command
from ticketing.commands.script import LINK_COMMANDS, LineError, open_label
from ticketing.commands.script_units import order_units
from ticketing.errors import InvalidCommandError
from ticketing.ids import natural_id

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ticketing.commands.messages import Command
    from ticketing.commands.script import ScriptStep

#: Stand-in ticket id while a step is validated; replaced when it runs.
PLACEHOLDER_ID: Final = uuid.UUID(int=0)


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A validated step: its command (placeholder ids) and the tickets it names."""

    step: ScriptStep
    command: Command
    ticket: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class TicketPlan:
    """Every step of one ticket, in order, or the error that refuses it."""

    label: str
    local: bool
    steps: tuple[PlannedStep, ...]
    errors: tuple[LineError, ...] = ()

    @property
    def error(self) -> LineError | None:
        """The first problem, which is the reason the ticket is refused."""
        return self.errors[0] if self.errors else None


@dataclass(frozen=True, slots=True)
class ScriptPlan:
    """What to run: tickets by label and the units in execution order."""

    tickets: dict[str, TicketPlan]
    units: tuple[tuple[str, ...], ...]
    script_errors: tuple[LineError, ...]
    lines: int = 0

    @property
    def refused(self) -> bool:
        """True when a line cannot be tied to a ticket: nothing is imported."""
        return bool(self.script_errors)


class _Planner:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.declared: dict[str, tuple[str, int]] = {}  # alias -> (label, line)
        self.steps: dict[str, list[PlannedStep]] = {}
        self.local: dict[str, bool] = {}
        self.errors: dict[str, list[LineError]] = {}
        self.script_errors: list[LineError] = []
        self.last_at: dict[str, datetime] = {}
        self.opened_at: dict[str, datetime] = {}
        self.anchor: dict[str, str] = {}
        self.seen: dict[str, int] = {}
        self.explicit_ids: dict[str, int] = {}

    def declare_all(self, steps: Sequence[ScriptStep]) -> None:
        for step in steps:
            if not step.is_open:
                continue
            label = open_label(step.key, step.args.get("number"), step.line)
            aliases = {label}
            if step.key is not None:
                aliases.add(f"@{step.key}")
            number = step.args.get("number")
            if isinstance(number, str) and number.strip():
                aliases.add(number.strip().upper())
            for alias in sorted(aliases):
                if alias in self.declared:
                    first = self.declared[alias][1]
                    msg = f"{alias} is already opened at line {first}"
                    self.script_errors.append(
                        LineError(step.line, "duplicate_key", msg, ticket=alias)
                    )
                    continue
                self.declared[alias] = (label, step.line)

    def label_of(self, ref: str, line: int) -> tuple[str, bool]:
        """(label, is_local) for a ref; LineError when it names a later ticket."""
        name = ref if ref.startswith("@") else ref.strip().upper()
        found = self.declared.get(name)
        if found is None:
            if name.startswith("@"):
                raise _LineProblemError(
                    "unknown_ticket_ref", f"no ticket {name} opened"
                )
            return name, False
        label, declared_line = found
        if declared_line > line:
            msg = f"{name} is opened later, at line {declared_line}"
            raise _LineProblemError("unknown_ticket_ref", msg)
        return label, True

    def add(self, step: ScriptStep) -> None:
        if step.is_open:
            label = self.declared_label(step)
            if label is None:
                return
            self.local[label] = True
            self._add_checked(label, step, None)
            return
        assert step.ticket is not None  # noqa: S101 - parse_line guarantees it
        label = step.ticket if step.ticket.startswith("@") else step.ticket.upper()
        try:
            label, local = self.label_of(step.ticket, step.line)
            target = None
            if step.command in LINK_COMMANDS and step.target is not None:
                target = self.label_of(step.target, step.line)[0]
        except _LineProblemError as problem:
            self.fail(label, problem.as_error(step.line, label))
            return
        self.local.setdefault(label, local)
        self._add_checked(label, step, target)

    def declared_label(self, step: ScriptStep) -> str | None:
        label = open_label(step.key, step.args.get("number"), step.line)
        found = self.declared.get(label)
        return label if found and found[1] == step.line else None

    def _add_checked(self, label: str, step: ScriptStep, target: str | None) -> None:
        self.steps.setdefault(label, [])
        try:
            planned = self._plan_step(label, step, target)
        except _LineProblemError as problem:
            self.fail(label, problem.as_error(step.line, label))
            return
        self.steps[label].append(planned)

    def _plan_step(
        self, label: str, step: ScriptStep, target: str | None
    ) -> PlannedStep:
        self._check_times(label, step, target)
        command_id = step.command_id or self._derived_id(label, step, target)
        if step.command_id is not None:
            if step.command_id in self.explicit_ids:
                first = self.explicit_ids[step.command_id]
                msg = f"id {step.command_id!r} is already used at line {first}"
                raise _LineProblemError("duplicate_id", msg)
            self.explicit_ids[step.command_id] = step.line
        args: dict[str, Any] = {**step.args, "command_id": command_id}
        if not step.is_open:
            args["ticket_id"] = str(PLACEHOLDER_ID)
        if step.command in LINK_COMMANDS:
            args["target_id"] = str(PLACEHOLDER_ID)
        try:
            command = parse_command(step.command, args)
        except InvalidCommandError as exc:
            fields = exc.details.get("fields", {})
            raise _LineProblemError("invalid_args", exc.message, fields) from None
        if step.is_open:
            self.anchor[label] = command.command_id
            self.opened_at[label] = step.at
        self.last_at[label] = step.at
        return PlannedStep(step=step, command=command, ticket=label, target=target)

    def _check_times(self, label: str, step: ScriptStep, target: str | None) -> None:
        if step.at > self.now:
            msg = f"time {step.at.isoformat()} is in the future"
            raise _LineProblemError("future_time", msg, {"at": "in the future"})
        previous = self.last_at.get(label)
        if previous is not None and step.at < previous:
            msg = (
                f"time goes backwards for {label}: {step.at.isoformat()} is "
                f"before its previous line's {previous.isoformat()}"
            )
            raise _LineProblemError(
                "time_backwards", msg, {"at": "before previous line"}
            )
        opened = self.opened_at.get(target) if target else None
        if opened is not None and step.at < opened:
            msg = f"target {target} is opened later ({opened.isoformat()})"
            raise _LineProblemError("time_backwards", msg, {"target": "opened later"})

    def _derived_id(self, label: str, step: ScriptStep, target: str | None) -> str:
        anchor = "open" if step.is_open else self.anchor.get(label, f"ext:{label}")
        target_anchor = None
        if target is not None:
            target_anchor = self.anchor.get(target, f"ext:{target}")
        canonical = json.dumps(
            {
                "at": step.at.astimezone(UTC).isoformat(),
                "actor": [step.actor.id, step.actor.role, step.actor.kind],
                "command": step.command,
                "args": step.args,
                "target": target_anchor,
                "context": [
                    step.correlation_id,
                    step.causation_id,
                    step.rule_id,
                    step.rule_set_version,
                ],
            },
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        base = f"{anchor}|{canonical}"
        occurrence = self.seen.get(base, 0) + 1
        self.seen[base] = occurrence
        return str(natural_id("script-command", f"{base}#{occurrence}"))

    def fail(self, label: str, error: LineError) -> None:
        self.steps.setdefault(label, [])
        self.local.setdefault(label, label in {v[0] for v in self.declared.values()})
        self.errors.setdefault(label, []).append(error)


class _LineProblemError(Exception):
    def __init__(
        self, code: str, message: str, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields

    def as_error(self, line: int, label: str) -> LineError:
        return LineError(line, self.code, self.message, self.fields, label)


def plan_script(
    steps: Iterable[ScriptStep],
    *,
    now: datetime,
    parse_errors: Sequence[LineError] = (),
    lines: int = 0,
) -> ScriptPlan:
    """Validate ``steps`` and decide what runs in which order (pure)."""
    ordered = sorted(steps, key=lambda s: s.line)
    planner = _Planner(now)
    planner.declare_all(ordered)
    for error in parse_errors:
        if error.ticket is None:
            planner.script_errors.append(error)
        else:
            planner.fail(error.ticket, error)
    for step in ordered:
        planner.add(step)
    tickets = {
        label: TicketPlan(
            label=label,
            local=planner.local.get(label, False),
            steps=tuple(planner.steps.get(label, ())),
            errors=tuple(sorted(planner.errors.get(label, ()), key=_line)),
        )
        for label in sorted(planner.steps, key=lambda lb: _first_line(planner, lb))
    }
    units = order_units(
        {lb: _targets(t) for lb, t in tickets.items()},
        {lb: _first_line(planner, lb) for lb in tickets},
    )
    script_errors = sorted(planner.script_errors, key=lambda e: e.line)
    return ScriptPlan(tickets, units, tuple(script_errors), lines)


def _first_line(planner: _Planner, label: str) -> int:
    lines = [p.step.line for p in planner.steps.get(label, ())]
    lines.extend(e.line for e in planner.errors.get(label, ()))
    return min(lines, default=0)


def _line(error: LineError) -> int:
    return error.line


def _targets(ticket: TicketPlan) -> set[str]:
    return {p.target for p in ticket.steps if p.target and p.target != ticket.label}


def with_ids(
    planned: PlannedStep, ticket_id: uuid.UUID | None, target_id: uuid.UUID | None
) -> Command:
    """The step's command addressed to the real ticket (and target) ids."""
    changes: dict[str, Any] = {}
    if ticket_id is not None:
        changes["ticket_id"] = ticket_id
    if target_id is not None:
        changes["target_id"] = target_id
    return replace(planned.command, **changes) if changes else planned.command
