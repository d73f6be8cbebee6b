"""The SLA evidence format: an evaluation as plain JSON-able data.

Instants are ISO 8601 UTC strings; durations are given twice, as whole or
fractional seconds (``*_seconds``) and as text ("1h30m"). See docs/sla.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ticketing.policies.policy_file import format_duration

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from ticketing.sla.model import (
        ClockResult,
        EventRef,
        Pause,
        RunningTime,
        SlaEvaluation,
        ThresholdMark,
        Transition,
    )

EVIDENCE_FORMAT = "ticketing.sla.evidence/1"


def evaluation_evidence(evaluation: SlaEvaluation) -> dict[str, Any]:
    """Everything needed to check the ticket's SLA figures by hand."""
    return {
        "format": EVIDENCE_FORMAT,
        "ticket_id": str(evaluation.ticket_id),
        "policy_version": evaluation.policy_version,
        "as_of": instant_text(evaluation.as_of),
        "clocks": [clock_evidence(c) for c in evaluation.clocks],
    }


def clock_evidence(clock: ClockResult) -> dict[str, Any]:
    """One clock: outcome, figures, transitions, pauses and per-interval arithmetic."""
    return {
        "metric": clock.metric,
        "cycle": clock.cycle,
        "sequence": clock.sequence,
        "state": clock.state,
        "ticket_type": clock.ticket_type,
        "priority": clock.priority,
        "policy_version": clock.policy_version,
        "calendar_version": clock.calendar_version,
        "started_at": instant_text(clock.started_at),
        "stopped_at": instant_text(clock.stopped_at),
        **_duration("target", clock.target),
        **_duration("elapsed", clock.elapsed),
        **_duration("remaining", clock.remaining),
        "due_at": instant_text(clock.due_at),
        "breached_at": instant_text(clock.breached_at),
        "transitions": [transition_evidence(t) for t in clock.transitions],
        "pauses": [_pause(p) for p in clock.pauses],
        "arithmetic": [_running(r) for r in clock.arithmetic],
        "thresholds": [_threshold(t) for t in clock.thresholds],
    }


def transition_evidence(t: Transition) -> dict[str, Any]:
    """One transition: what, when, why (the causing event) and under which rules."""
    return {
        "kind": t.kind,
        "at": instant_text(t.at),
        "priority": t.priority,
        "detail": t.detail,
        "policy_version": t.policy_version,
        "calendar_version": t.calendar_version,
        "cause": event_evidence(t.cause),
    }


def _pause(p: Pause) -> dict[str, Any]:
    return {
        "start": instant_text(p.start),
        "end": instant_text(p.end),
        "reason": p.reason,
        "paused_by": event_evidence(p.paused_by),
        "ended_by": None if p.ended_by is None else event_evidence(p.ended_by),
    }


def _running(r: RunningTime) -> dict[str, Any]:
    return {
        "start": instant_text(r.start),
        "end": instant_text(r.end),
        "ongoing": r.ongoing,
        **_duration("business_time", r.business_time),
        **_duration("cumulative", r.cumulative),
        "started_by": r.started_by.position,
        "ended_by": None if r.ended_by is None else r.ended_by.position,
    }


def _threshold(t: ThresholdMark) -> dict[str, Any]:
    return {
        "percent": t.percent,
        **_duration("business_time", t.business_time),
        "at": instant_text(t.at),
        "projected": t.projected,
    }


def event_evidence(ref: EventRef) -> dict[str, Any]:
    return {
        "ticket_id": str(ref.ticket_id),
        "version": ref.version,
        "position": ref.position,
        "event_type": ref.event_type,
        "occurred_at": instant_text(ref.occurred_at),
    }


def instant_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _duration(name: str, value: timedelta) -> dict[str, Any]:
    seconds = value.total_seconds()
    return {
        f"{name}_seconds": int(seconds) if seconds.is_integer() else seconds,
        name: format_duration(value),
    }
