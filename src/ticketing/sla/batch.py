"""One batch of the SLA projection: fold events per ticket, measure what changed.

Every event is folded; each clock that changed is measured once per batch (at
its own last transition) and only its row is rewritten, so the cost follows
the clock changes, not the events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import insert, select

from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.projections.bulk import insert_rows, update_rows
from ticketing.sla.codec import dump_state, load_state
from ticketing.sla.fold import SLA_EVENT_TYPES
from ticketing.sla.jsontext import compact_json, sorted_json
from ticketing.sla.library import Activation, Schedule
from ticketing.sla.rows import (
    RULE_PREFIX,
    Provenance,
    clock_row,
    measure_track,
    timer_command_id,
    timer_key,
)
from ticketing.sla.totals import ClockContributions, old_clock_rows

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

    from ticketing.projections.base import LogEvent
    from ticketing.sla.clocks import SlaEvaluator
    from ticketing.sla.state import ClockTrack, SlaState
    from ticketing.sla.tables import SlaTables

TrackKey = tuple[str, int]
_FOLDED: Final = frozenset(SLA_EVENT_TYPES)
#: Ticket row columns that change after the ticket is opened.
_MUTABLE: Final = frozenset(
    (
        "priority",
        "queue",
        "group_name",
        "state",
        "provenance",
        "fired",
        "version",
        "position",
    )
)
_CLOCK_KEY: Final = ("ticket_id", "metric", "sequence")
#: Clock row columns fixed when the clock starts (not rewritten on updates).
_CLOCK_FIXED: Final = frozenset(
    {"cycle", "ticket_type", "policy_version", "started_at"}
)


@dataclass(frozen=True, slots=True)
class Judge:
    """Which evaluator judges a newly opened ticket, and how rows name it."""

    evaluator: SlaEvaluator
    sha256: str
    position: int | None


@dataclass
class _Work:
    """One ticket during a batch."""

    row: dict[str, Any]
    evaluator: SlaEvaluator
    new: bool
    state: SlaState | None = None
    initial: dict[TrackKey, ClockTrack] = field(default_factory=dict)
    provenance: dict[int, Provenance] = field(default_factory=dict)
    #: "<metric>:<cycle>" -> threshold percents already escalated.
    fired: dict[str, list[int]] | None = None
    #: Metrics whose live clock must be rewritten (a threshold fired).
    refresh: set[str] = field(default_factory=set)
    #: The ticket's queue and group before the batch (loaded tickets).
    was: tuple[str | None, str | None] = (None, None)

    def loaded(self) -> SlaState:
        if self.state is None:
            self.state = load_state(json.loads(self.row["state"]))
            self.initial = {(c.metric, c.sequence): c for c in self.state.clocks}
            self.provenance = {
                int(k): Provenance(*v)
                for k, v in json.loads(self.row["provenance"]).items()
            }
        return self.state

    def fired_map(self) -> dict[str, list[int]]:
        if self.fired is None:
            text = self.row["fired"]
            self.fired = {} if text == "{}" else json.loads(text)
        return self.fired

    def tracks_to_write(self) -> list[ClockTrack]:
        if self.state is None:
            return []
        return [
            c
            for c in self.state.clocks
            if self.initial.get((c.metric, c.sequence)) is not c
            or (c.live and c.metric in self.refresh)
        ]


class Batch:
    """Applies one batch of events to the SLA tables."""

    def __init__(
        self,
        conn: Connection,
        tables: SlaTables,
        judge_for: Callable[[Schedule, datetime], Judge],
        evaluator_of: Callable[[dict[str, Any], list[Activation]], SlaEvaluator],
    ) -> None:
        self.conn, self.tables = conn, tables
        self.judge_for, self.evaluator_of = judge_for, evaluator_of
        p = tables.policies
        self.activations = [
            Activation.from_row(dict(r._mapping))
            for r in conn.execute(select(p).order_by(p.c.position))
        ]
        self.schedule = Schedule(self.activations)
        self.new_policies: list[dict[str, Any]] = []
        self.work: dict[UUID, _Work] = {}

    def load(self, ticket_ids: set[UUID]) -> None:
        if not ticket_ids:
            return
        t = self.tables.tickets
        for r in self.conn.execute(select(t).where(t.c.ticket_id.in_(ticket_ids))):
            row = dict(r._mapping)
            evaluator = self.evaluator_of(row, self.activations)
            work = _Work(row, evaluator, new=False)
            work.was = (row["queue"], row["group_name"])
            self.work[row["ticket_id"]] = work

    def take(self, log: LogEvent) -> None:
        e = log.event
        if not isinstance(e, TicketEvent):
            activation = Activation.from_log(log)
            if activation is not None:
                self.schedule.add(activation)
                self.activations.append(activation)
                self.new_policies.append(activation.row())
            return
        if isinstance(e, Ticket.Opened):
            self._open(log, e)
            return
        work = self.work.get(log.originator_id)
        if work is None:
            msg = f"event for unknown ticket {log.originator_id} (no Opened seen)"
            raise LookupError(msg)
        work.row["version"], work.row["position"] = log.version, log.position
        match e:
            case Ticket.Routed():
                work.row["queue"], work.row["group_name"] = e.queue, e.group
            case Ticket.Assigned() if e.group is not None:
                work.row["group_name"] = e.group
            case Ticket.PriorityChanged():
                work.row["priority"] = e.priority
            case Ticket.Escalated():
                self._escalated(work, log, e)
            case _:
                pass
        if type(e) not in _FOLDED:
            return
        state = work.loaded()
        folded = work.evaluator.fold(state, log.position, e)
        if folded is not state:
            work.state = folded
            work.provenance[log.position] = _provenance(log)

    def _open(self, log: LogEvent, e: Ticket.Opened) -> None:
        judge = self.judge_for(self.schedule, e.timestamp)
        state = judge.evaluator.fold(None, log.position, e)
        row = {
            "ticket_id": log.originator_id,
            "number": e.number,
            "type": e.type,
            "priority": e.priority,
            "queue": None,
            "group_name": None,
            "opened_at": e.timestamp,
            "policy_version": judge.evaluator.policy.version,
            "policy_sha256": judge.sha256,
            "policy_position": judge.position,
            "version": log.version,
            "position": log.position,
        }
        work = _Work(row, judge.evaluator, new=True, state=state, fired={})
        work.provenance[log.position] = _provenance(log)
        self.work[log.originator_id] = work

    def _escalated(self, work: _Work, log: LogEvent, e: Ticket.Escalated) -> None:
        """Note a threshold the scheduler escalated (matched by its command id)."""
        rule = e.meta.rule_id or ""
        parts = rule.removeprefix(RULE_PREFIX).split(":")
        if not (
            rule.startswith(RULE_PREFIX) and len(parts) == 2 and parts[1].isdigit()
        ):
            return
        metric, percent = parts[0], int(parts[1])
        for cycle in range(1, work.loaded().cycle + 1):
            key = timer_key(log.originator_id, metric, cycle, percent)
            if e.meta.command_id == timer_command_id(key):
                done = work.fired_map().setdefault(f"{metric}:{cycle}", [])
                if percent not in done:
                    done.append(percent)
                    done.sort()
                work.refresh.add(metric)

    def write(self) -> None:
        tables = self.tables
        if self.new_policies:
            self.conn.execute(insert(tables.policies), self.new_policies)
        new_tickets: list[dict[str, Any]] = []
        old_tickets: list[dict[str, Any]] = []
        clocks_new: list[dict[str, Any]] = []
        clocks_old: list[dict[str, Any]] = []
        written: dict[UUID, dict[TrackKey, dict[str, Any]]] = {}
        for ticket_id, work in self.work.items():
            thresholds = work.evaluator.policy.thresholds
            for track in work.tracks_to_write():
                assert work.state is not None  # noqa: S101 - tracks imply a state
                result = measure_track(work.evaluator, work.state, track)
                armed = work.provenance[track.marks[-1].cause.position]
                done = work.fired_map().get(f"{track.metric}:{track.cycle}", [])
                row = clock_row(result, track, thresholds, armed, done)
                key = (track.metric, track.sequence)
                (clocks_old if key in work.initial else clocks_new).append(row)
                written.setdefault(ticket_id, {})[key] = row
            if work.state is not None:
                work.row["state"] = compact_json(dump_state(work.state))
                work.row["provenance"] = sorted_json(_pruned(work))
            if work.new or work.fired is not None:
                work.row["fired"] = sorted_json(work.fired_map())
            (new_tickets if work.new else old_tickets).append(work.row)
        contributions = self._contributions(written)
        self._upsert(tables.tickets, new_tickets, old_tickets, ("ticket_id",), _MUTABLE)
        changing = frozenset(c.name for c in tables.clocks.c) - _CLOCK_FIXED
        self._upsert(tables.clocks, clocks_new, clocks_old, _CLOCK_KEY, changing)
        contributions.write(self.conn, tables.totals, tables.live)

    def _contributions(
        self, written: dict[UUID, dict[TrackKey, dict[str, Any]]]
    ) -> ClockContributions:
        """What this batch changes in the aggregates (``ticketing.sla.totals``).

        Reads back the stored clock rows of the loaded tickets it rewrites a
        clock of or moves to another queue or group (before they are replaced).
        """
        out = ClockContributions.empty()
        touched = [
            ticket_id
            for ticket_id, work in self.work.items()
            if not work.new and (ticket_id in written or work.was != _place(work.row))
        ]
        stored = old_clock_rows(self.conn, self.tables.clocks, touched)
        for ticket_id, work in self.work.items():
            rows = written.get(ticket_id, {})
            queue, group = _place(work.row)
            if work.new:
                for row in rows.values():
                    out.add(row, queue, group)
                continue
            before = stored.get(ticket_id)
            if before is None:
                continue
            keys = set(rows) if work.was == (queue, group) else {*before, *rows}
            for key in sorted(keys):
                if key in before:
                    out.add(before[key], *work.was, sign=-1)
                after = rows.get(key, before.get(key))
                if after is not None:
                    out.add(after, queue, group)
        return out

    def _upsert(
        self,
        table: Table,
        new: list[dict[str, Any]],
        old: list[dict[str, Any]],
        keys: tuple[str, ...],
        columns: frozenset[str],
    ) -> None:
        """Insert ``new`` rows; update ``columns`` of ``old`` ones."""
        insert_rows(self.conn, table, new)
        update_rows(self.conn, table, old, keys, columns)


def _place(row: dict[str, Any]) -> tuple[str | None, str | None]:
    return row["queue"], row["group_name"]


def _provenance(log: LogEvent) -> Provenance:
    meta = log.event.meta
    return Provenance(log.recorded_at, meta.actor.kind, meta.correlation_id)


def _pruned(work: _Work) -> dict[str, list[str]]:
    """Keep the provenance of events that set a live clock (what timers need)."""
    assert work.state is not None  # noqa: S101 - only called once loaded
    needed = {c.marks[-1].cause.position for c in work.state.clocks if c.live}
    return {str(p): v.as_list() for p, v in work.provenance.items() if p in needed}
