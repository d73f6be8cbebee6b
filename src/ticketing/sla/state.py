"""The incremental SLA state of one ticket: small, immutable, policy-bound.

A ClockTrack keeps only real-time facts (running intervals and the marks that
caused them); business time is computed from them on demand, in whichever
calendar applies at evaluation, so a retroactive priority change needs no replay.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
            return replace(self, marks=(*self.marks, mark))
        return replace(
            self,
            phase="paused",
            runs=self._closed_runs(cause),
            marks=(*self.marks, mark),
        )

    def resume(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Count again from ``cause`` (no effect unless paused)."""
        if self.phase != "paused":
            return self
        mark = Mark("resumed", cause, priority, detail)
        return replace(
            self,
            phase="running",
            runs=(*self.runs, Run(cause)),
            marks=(*self.marks, mark),
        )

    def stop(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Final stop: the outcome (met or breached) is decided."""
        return self._end("stopped", cause, priority, detail)

    def cancel(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Final cancel: the clock leaves the compliance figures."""
        return self._end("canceled", cause, priority, detail)

    def retarget(self, cause: EventRef, priority: Priority, detail: str) -> ClockTrack:
        """Measure the whole clock against ``priority``'s target from now on."""
        mark = Mark("target_changed", cause, priority, detail)
        return replace(self, priority=priority, marks=(*self.marks, mark))

    def note(
        self, kind: TransitionKind, cause: EventRef, priority: Priority, detail: str
    ) -> ClockTrack:
        """Record an event that did not change the clock, for the evidence."""
        return replace(self, marks=(*self.marks, Mark(kind, cause, priority, detail)))

    def _end(
        self, phase: Phase, cause: EventRef, priority: Priority, detail: str
    ) -> ClockTrack:
        mark = Mark(
            "stopped" if phase == "stopped" else "canceled", cause, priority, detail
        )
        runs = self._closed_runs(cause) if self.phase == "running" else self.runs
        return replace(self, phase=phase, runs=runs, marks=(*self.marks, mark))

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

    def next_sequence(self, metric: Metric) -> int:
        return 1 + sum(1 for c in self.clocks if c.metric == metric)
