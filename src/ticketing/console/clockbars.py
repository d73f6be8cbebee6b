"""SLA clocks drawn as bars: running and paused stretches, stop and breach points.

Pure: it turns one ticket's SLA evidence (``ticketing.sla.evidence`` format)
into positioned segments and markers on a shared time axis, in percent of
the axis, for the template to draw. The axis runs from the first clock start
to the later of the as-of instant and every due time, so a due time still
ahead is visible as the point where the running bar would breach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ticketing.console.web import duration_text, instant


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # "running" | "paused"
    left: float
    width: float
    title: str


@dataclass(frozen=True, slots=True)
class Marker:
    kind: str  # "due" | "breach" | "stop"
    left: float
    title: str


@dataclass(frozen=True, slots=True)
class ClockBar:
    """One clock: its label, state, figures and what to draw."""

    label: str
    state: str
    summary: str
    segments: list[Segment] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ClockChart:
    start: datetime
    end: datetime
    bars: list[ClockBar]


def _at(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


class _Axis:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = start
        self.span = max((end - start).total_seconds(), 1.0)

    def pos(self, moment: datetime) -> float:
        offset = (moment - self.start).total_seconds() / self.span
        return round(min(max(offset, 0.0), 1.0) * 100.0, 3)

    def segment(self, kind: str, start: datetime, end: datetime, title: str) -> Segment:
        left = self.pos(start)
        return Segment(kind, left, max(self.pos(end) - left, 0.4), title)


def _bounds(clocks: list[dict[str, Any]], as_of: datetime) -> tuple[datetime, datetime]:
    starts = [s for c in clocks if (s := _at(c.get("started_at"))) is not None]
    ends = [as_of]
    for c in clocks:
        ends.extend(
            m
            for key in ("due_at", "stopped_at", "breached_at")
            if (m := _at(c.get(key))) is not None
        )
    start = min(starts) if starts else as_of
    return start, max(*ends, start)


def _bar(axis: _Axis, clock: dict[str, Any], as_of: datetime) -> ClockBar:
    label = f"{clock.get('metric')} (cycle {clock.get('cycle')})"
    elapsed = clock.get("elapsed_seconds")
    target = clock.get("target_seconds")
    summary = (
        f"{clock.get('state')}: {duration_text(elapsed)} of "
        f"{duration_text(target)} business time, priority {clock.get('priority')}"
    )
    bar = ClockBar(label=label, state=str(clock.get("state")), summary=summary)
    for run in clock.get("arithmetic", []):
        start, end = _at(run.get("start")), _at(run.get("end")) or as_of
        if start is not None:
            bar.segments.append(
                axis.segment(
                    "running",
                    start,
                    end,
                    f"running {instant(start)} to "
                    f"{'now' if run.get('ongoing') else instant(end)}",
                )
            )
    for pause in clock.get("pauses", []):
        start, end = _at(pause.get("start")), _at(pause.get("end")) or as_of
        if start is not None:
            bar.segments.append(
                axis.segment(
                    "paused",
                    start,
                    end,
                    f"paused ({pause.get('reason')}) {instant(start)} to "
                    f"{instant(pause.get('end')) if pause.get('end') else 'now'}",
                )
            )
    for kind, key, text in (
        ("due", "due_at", "due"),
        ("breach", "breached_at", "breached"),
        ("stop", "stopped_at", "stopped"),
    ):
        moment = _at(clock.get(key))
        if moment is not None:
            bar.markers.append(
                Marker(kind, axis.pos(moment), f"{text} {instant(moment)}")
            )
    return bar


def clock_chart(evidence: dict[str, Any], as_of: datetime) -> ClockChart:
    """The bars of every clock in ``evidence``, as they stood at ``as_of``."""
    clocks: list[dict[str, Any]] = list(evidence.get("clocks", []))
    start, end = _bounds(clocks, as_of)
    axis = _Axis(start, end)
    return ClockChart(start, end, [_bar(axis, c, as_of) for c in clocks])
