"""SlaState to and from plain JSON-able data, for projections that persist it.

Compact: the ticket id is written once, and each event reference once, in
``events``; clocks refer to events by index. ``load_state(dump_state(s)) == s``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from ticketing.sla.model import EventRef
from ticketing.sla.state import ClockTrack, Mark, Run, SlaState

if TYPE_CHECKING:
    from collections.abc import Mapping

STATE_FORMAT: Final = 1


def dump_state(state: SlaState) -> dict[str, Any]:
    """``state`` as JSON-able data (format 1)."""
    # A global position names one event: key by it (cheaper than hashing refs).
    refs: dict[int, tuple[int, EventRef]] = {}

    def index(ref: EventRef) -> int:
        found = refs.get(ref.position)
        if found is None:
            found = refs[ref.position] = (len(refs), ref)
        return found[0]

    clocks = [
        {
            "metric": c.metric,
            "cycle": c.cycle,
            "sequence": c.sequence,
            "priority": c.priority,
            "phase": c.phase,
            "runs": [
                [index(r.start), None if r.end is None else index(r.end)]
                for r in c.runs
            ],
            "marks": [[m.kind, index(m.cause), m.priority, m.detail] for m in c.marks],
        }
        for c in state.clocks
    ]
    last = index(state.last)
    return {
        "format": STATE_FORMAT,
        "ticket_id": str(state.ticket_id),
        "ticket_type": state.ticket_type,
        "priority": state.priority,
        "policy_version": state.policy_version,
        "hold": state.hold,
        "resolved": state.resolved,
        "cycle": state.cycle,
        "last": last,
        "clocks": clocks,
        "events": [
            [r.version, r.position, r.event_type, r.occurred_at.isoformat()]
            for _, r in refs.values()
        ],
    }


def load_state(data: Mapping[str, Any]) -> SlaState:
    """The SlaState that ``dump_state`` wrote; ValueError on another format."""
    if data.get("format") != STATE_FORMAT:
        msg = f"unknown SLA state format {data.get('format')!r}"
        raise ValueError(msg)
    ticket_id = UUID(data["ticket_id"])
    refs = [
        EventRef(ticket_id, version, position, event_type, datetime.fromisoformat(at))
        for version, position, event_type, at in data["events"]
    ]
    return SlaState(
        ticket_id=ticket_id,
        ticket_type=data["ticket_type"],
        priority=data["priority"],
        policy_version=data["policy_version"],
        hold=data["hold"],
        resolved=data["resolved"],
        cycle=data["cycle"],
        clocks=tuple(_clock(c, refs) for c in data["clocks"]),
        last=refs[data["last"]],
    )


def _clock(data: Mapping[str, Any], refs: list[EventRef]) -> ClockTrack:
    return ClockTrack(
        metric=data["metric"],
        cycle=data["cycle"],
        sequence=data["sequence"],
        priority=data["priority"],
        phase=data["phase"],
        runs=tuple(
            Run(refs[start], None if end is None else refs[end])
            for start, end in data["runs"]
        ),
        marks=tuple(
            Mark(kind, refs[cause], priority, detail)
            for kind, cause, priority, detail in data["marks"]
        ),
    )
