"""The incremental SLA state of one ticket: small, immutable, policy-bound.

A ClockTrack keeps only real-time facts (running intervals and the marks that
caused them); business time is computed from them on demand, in whichever
calendar applies at evaluation, so a retroactive priority change needs no replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.aggregates.vocabulary import HoldReason, Priority, TicketType
    from ticketing.policies.sla import Metric
    from ticketing.sla.model import EventRef, TransitionKind

Phase = Literal["running", "paused", "stopped", "canceled"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A transition as folded: what happened, why, under which priority."""

    kind: TransitionKind
    cause: EventRef
    priority: Priority
    detail: str


@dataclass(frozen=True, slots=True)
class Run:
    """A running interval in real time; ``end`` None while it is still running."""

    start: EventRef
    end: EventRef | None = None


@dataclass(frozen=True, slots=True)
class ClockTrack:
    """The life of one clock so far. ``priority`` selects its target."""

    metric: Metric
    cycle: int
    sequence: int
    priority: Priority
    phase: Phase
    runs: tuple[Run, ...]
    marks: tuple[Mark, ...]

    @property
    def live(self) -> bool:
        return self.phase in ("running", "paused")

    @classmethod
    def begin(
        cls,
        key: tuple[Metric, int, int],
        cause: EventRef,
        priority: Priority,
        detail: str,
        paused_because: str | None = None,
    ) -> ClockTrack:
        """A clock started by ``cause``; paused at once if ``paused_because``."""
        metric, cycle, sequence = key
        started = Mark("started", cause, priority, detail)
        if paused_because is None:
            return cls(
                metric, cycle, sequence, priority, "running", (Run(cause),), (started,)
            )
        paused = Mark("paused", cause, priority, paused_because)
        return cls(metric, cycle, sequence, priority, "paused", (), (started, paused))

    def pause(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Stop counting (a second pause only adds its mark)."""
        mark = Mark("paused", cause, priority, detail)
        if self.phase != "running":
            return self._then(self.phase, self.runs, (*self.marks, mark))
        return self._then("paused", self._closed_runs(cause), (*self.marks, mark))

    def resume(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Count again from ``cause`` (no effect unless paused)."""
        if self.phase != "paused":
            return self
        mark = Mark("resumed", cause, priority, detail)
        return self._then("running", (*self.runs, Run(cause)), (*self.marks, mark))

    def stop(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Final stop: the outcome (met or breached) is decided."""
        return self._end("stopped", cause, priority, detail)

    def cancel(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Final cancel: the clock leaves the compliance figures."""
        return self._end("canceled", cause, priority, detail)

    def retarget(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Measure the whole clock against ``priority``'s target from now on."""
        mark = Mark("target_changed", cause, priority, detail)
        return self._then(self.phase, self.runs, (*self.marks, mark), priority)

    def note(
        self, kind: TransitionKind, cause: EventRef, priority: Priority, detail: str
    ) -> ClockTrack:
        """Record an event that did not change the clock, for the evidence."""
        mark = Mark(kind, cause, priority, detail)
        return self._then(self.phase, self.runs, (*self.marks, mark))

    def _end(
        self, phase: Phase, cause: EventRef, priority: Priority, detail: str
    ) -> ClockTrack:
        mark = Mark(
            "stopped" if phase == "stopped" else "canceled", cause, priority, detail
        )
        runs = self._closed_runs(cause) if self.phase == "running" else self.runs
        return self._then(phase, runs, (*self.marks, mark))

    def _then(
        self,
        phase: Phase,
        runs: tuple[Run, ...],
        marks: tuple[Mark, ...],
        priority: Priority | None = None,
    ) -> ClockTrack:
        """This clock with a new phase, runs and marks (and maybe priority).

        Built directly: ``dataclasses.replace`` costs several times more, and
        this is the inner loop of every SLA rebuild.
        """
        return ClockTrack(
            self.metric,
            self.cycle,
            self.sequence,
            self.priority if priority is None else priority,
            phase,
            runs,
            marks,
        )

    def _closed_runs(self, cause: EventRef) -> tuple[Run, ...]:
        *done, last = self.runs
        return (*done, Run(last.start, cause))


@dataclass(frozen=True, slots=True)
class SlaState:
    """Everything the evaluator keeps about one ticket between events.

    ``last`` is the latest clock-relevant event folded; events that cannot
    affect a clock (routing, tags, links, ...) leave the state unchanged.
    """

    ticket_id: UUID
    ticket_type: TicketType
    priority: Priority
    policy_version: str
    hold: HoldReason | None
    resolved: bool
    cycle: int
    clocks: tuple[ClockTrack, ...]
    last: EventRef

    def after(
        self,
        last: EventRef,
        clocks: tuple[ClockTrack, ...],
        *,
        hold: HoldReason | None,
        resolved: bool | None = None,
        cycle: int | None = None,
        priority: Priority | None = None,
    ) -> SlaState:
        """The state once ``last`` is folded: new clocks and hold; ``resolved``,
        ``cycle`` and ``priority`` kept unless given (built directly, as
        ``ClockTrack._then``)."""
        return SlaState(
            self.ticket_id,
            self.ticket_type,
            self.priority if priority is None else priority,
            self.policy_version,
            hold,
            self.resolved if resolved is None else resolved,
            self.cycle if cycle is None else cycle,
            clocks,
            last,
        )

    def next_sequence(self, metric: Metric) -> int:
        return 1 + sum(1 for c in self.clocks if c.metric == metric)
