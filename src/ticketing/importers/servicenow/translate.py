"""Translate one incident's rows into command-script steps (pure).

The first row is the incident as created: the ticket is opened at
``opened_at`` with its values, routed to its group (or the ``unassigned``
queue), assigned and linked as that row says. Every row is then compared with
the state so far and becomes the commands that record what changed, at the
row's time, by the row's ``sys_updated_by``. Rows that change nothing, rows
after the close and changes the engine cannot record are skipped and noted; a
time earlier than the previous command is raised to it and noted. The
translator follows the engine's rules, so the steps it writes are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ticketing.commands.script import ScriptStep
from ticketing.importers.servicenow import mapping as mp
from ticketing.importers.servicenow.opening import (
    Note,
    ProblemRef,
    actor,
    open_args,
    opened_at,
    problem_key,
)

__all__ = ["IncidentTranslator", "Note", "ProblemRef"]

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from ticketing.aggregates.envelope import Actor
    from ticketing.importers.servicenow.source import SourceRow
    from ticketing.policies.priority import PriorityMatrix

Command = tuple[str, dict[str, Any], str | None]


@dataclass
class _State:
    """What the engine's ticket looks like so far, in source terms."""

    phase: mp.Phase = "open"
    hold: str | None = None
    group: str | None = None
    assignee: str | None = None
    impact: int = 2
    urgency: int = 2
    priority: mp.PriorityFields | None = None
    problem: str | None = None


@dataclass
class IncidentTranslator:
    """Steps and notes for one incident; ``problems`` collects PRB references."""

    rows: Sequence[SourceRow]
    matrix: PriorityMatrix
    steps: list[ScriptStep] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    problems: list[ProblemRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.number = self.rows[0].number
        self.problem_values: dict[str, str] = {}
        self.state = _State()
        self.last_at = self.rows[0].updated_at

    def translate(self) -> IncidentTranslator:
        first = self.rows[0]
        self.last_at = opened_at(first, self.note)
        self._open(first)
        for row in self.rows:
            self._row(row)
        return self

    def note(self, kind: str, line: int, detail: str) -> None:
        self.notes.append(Note(kind, self.number, line, detail))

    # -- opening --------------------------------------------------------------

    def _open(self, row: SourceRow) -> None:
        s = self.state
        s.impact = mp.level(row.get("impact"), 3) or 2
        s.urgency = mp.level(row.get("urgency"), 3) or 2
        for column in ("impact", "urgency"):
            if mp.level(row.get(column), 3) is None:
                self.note("missing_value", row.line, f"{column} unknown; 2 assumed")
        s.priority = mp.priority_fields(
            s.impact, s.urgency, row.get("priority"), self.matrix
        )
        if s.priority.override is not None:
            self.note("priority_override", row.line, s.priority.reason or "")
        commands: list[Command] = [
            ("open_ticket", open_args(row, s.priority), None),
            _route(row.get("assignment_group")),
        ]
        s.group = row.get("assignment_group")
        if (agent := row.get("assigned_to")) is not None:
            s.assignee = agent
            commands.append(("assign_ticket", {"agent_id": agent}, None))
        if (problem := row.get("problem_id")) is not None:
            s.problem = problem
            commands.append(self._link("link_tickets", problem))
        self._emit(row, self.last_at, actor(row.get("opened_by")), commands)

    # -- rows -----------------------------------------------------------------

    def _row(self, row: SourceRow) -> None:
        state_name = row.get("incident_state")
        target = mp.target_state(state_name)
        if target is None:
            self.note("unknown_state", row.line, f"state {state_name!r} ignored")
        if self.state.phase == "closed":
            closed_again = target is not None and target.phase == "closed"
            kind = "repeated_close" if closed_again else "after_close"
            self.note(kind, row.line, f"state {state_name!r} after the close")
            return
        commands = [*self._leave(row, target), *self._fields(row)]
        if target is not None:
            commands.extend(self._enter(row, target))
        if not commands:
            self.note("no_change", row.line, "nothing the engine records changed")
            return
        at = row.updated_at
        if at < self.last_at:
            detail = f"{at.isoformat()} raised to {self.last_at.isoformat()}"
            self.note("time_clamped", row.line, detail)
            at = self.last_at
        self._emit(row, at, actor(row.get("sys_updated_by")), commands)

    def _leave(self, row: SourceRow, target: mp.TargetState | None) -> list[Command]:
        s = self.state
        if target is None or target.phase in ("resolved", "closed"):
            return []
        name = row.get("incident_state")
        if s.phase == "resolved":
            s.phase = "open"
            reason = f"ServiceNow state changed from Resolved to {name}"
            return [("reopen_ticket", {"reason": reason}, None)]
        if s.phase == "hold" and (
            target.phase == "open" or target.hold_reason != s.hold
        ):
            s.phase, s.hold = "open", None
            if target.phase == "hold":
                self.note("hold_reason_changed", row.line, f"resumed, now {name}")
            return [("resume_ticket", {"note": f"ServiceNow state: {name}"}, None)]
        return []

    def _enter(self, row: SourceRow, target: mp.TargetState) -> list[Command]:
        s = self.state
        name = row.get("incident_state")
        if target.phase == "hold" and s.phase == "open":
            s.phase, s.hold = "hold", target.hold_reason
            note = f"ServiceNow state: {name}"
            return [("put_on_hold", {"reason": target.hold_reason, "note": note}, None)]
        out: list[Command] = []
        if target.phase in ("resolved", "closed") and s.phase in ("open", "hold"):
            if target.phase == "closed":
                self.note("closed_without_resolve", row.line, "resolve recorded too")
            s.phase = "resolved"
            out.append(("resolve_ticket", _resolution(row), None))
        if target.phase == "closed":
            s.phase = "closed"
            out.append(("close_ticket", {}, None))
        return out

    def _fields(self, row: SourceRow) -> list[Command]:
        out = self._link_changes(row)
        s = self.state
        changes: list[Command] = []
        group = row.get("assignment_group")
        if group != s.group:
            s.group = group
            changes.append(_route(group))
        agent = row.get("assigned_to")
        if agent != s.assignee:
            s.assignee = agent
            changes.append(
                ("assign_ticket", {"agent_id": agent}, None)
                if agent is not None
                else (
                    "unassign_ticket",
                    {"reason": "ServiceNow assigned_to cleared"},
                    None,
                )
            )
        changes.extend(self._priority(row))
        if changes and s.phase == "resolved":
            names = ", ".join(c[0] for c in changes)
            self.note("changed_while_resolved", row.line, f"not recorded: {names}")
            return out
        return out + changes

    def _priority(self, row: SourceRow) -> list[Command]:
        s = self.state
        impact, urgency = (
            mp.level(row.get("impact"), 3),
            mp.level(row.get("urgency"), 3),
        )
        for column, value in (("impact", impact), ("urgency", urgency)):
            if value is None:
                self.note("missing_value", row.line, f"{column} unknown; kept")
        fields = mp.priority_fields(
            impact or s.impact, urgency or s.urgency, row.get("priority"), self.matrix
        )
        assert s.priority is not None  # noqa: S101 - set when opened
        if fields.engine == s.priority.engine:
            return []
        if fields.override is not None:
            self.note("priority_override", row.line, fields.reason or "")
        s.impact, s.urgency, s.priority = fields.impact, fields.urgency, fields
        args: dict[str, Any] = {"impact": fields.impact, "urgency": fields.urgency}
        if fields.override is not None:
            args["priority_override"] = fields.override
            args["reason"] = fields.reason
        return [("change_priority", args, None)]

    def _link_changes(self, row: SourceRow) -> list[Command]:
        s = self.state
        problem = row.get("problem_id")
        if problem == s.problem:
            return []
        out: list[Command] = []
        if s.problem is not None:
            out.append(self._link("unlink_tickets", s.problem))
        if problem is not None:
            out.append(self._link("link_tickets", problem))
        s.problem = problem
        return out

    def _link(self, command: str, problem: str) -> Command:
        key = problem_key(problem)
        self.problem_values[key] = problem
        return (command, {"kind": "problem"}, f"@{key}")

    def _emit(
        self, row: SourceRow, at: datetime, who: Actor, commands: list[Command]
    ) -> None:
        self.last_at = at
        for name, args, target in commands:
            if name == "link_tickets" and target is not None:
                key = target.removeprefix("@")
                value = self.problem_values[key]
                self.problems.append(ProblemRef(key, value, at, row.line))
            self.steps.append(
                ScriptStep(
                    line=row.line,
                    at=at,
                    actor=who,
                    command=name,
                    args=args,
                    ticket=None if name == "open_ticket" else self.number,
                    target=target,
                )
            )


def _route(group: str | None) -> tuple[str, dict[str, Any], None]:
    queue = group if group is not None else mp.UNASSIGNED_QUEUE
    return ("route_ticket", {"queue": queue, "group": group}, None)


def _resolution(row: SourceRow) -> dict[str, Any]:
    by = row.get("resolved_by") or "unknown"
    return {
        "resolution_code": row.get("closed_code") or mp.UNKNOWN_CODE,
        "notes": f"ServiceNow resolved_by: {by}",
    }
