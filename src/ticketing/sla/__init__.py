"""SLA engine core: pure, incremental clock evaluation over ticket events.

Entry point: ``SlaEvaluator(policy, calendars)``, with ``fold`` per event and
``evaluate(state, as_of)`` for figures and evidence. See docs/sla.md.
"""

from __future__ import annotations

from ticketing.sla.clocks import SlaEvaluator
from ticketing.sla.codec import dump_state, load_state
from ticketing.sla.fold import SLA_EVENT_TYPES
from ticketing.sla.model import (
    ClockResult,
    ClockState,
    EventRef,
    Pause,
    RunningTime,
    SlaEvaluation,
    ThresholdMark,
    Transition,
    TransitionKind,
)
from ticketing.sla.state import SlaState

__all__ = [
    "SLA_EVENT_TYPES",
    "ClockResult",
    "ClockState",
    "EventRef",
    "Pause",
    "RunningTime",
    "SlaEvaluation",
    "SlaEvaluator",
    "SlaState",
    "ThresholdMark",
    "Transition",
    "TransitionKind",
    "dump_state",
    "load_state",
]
