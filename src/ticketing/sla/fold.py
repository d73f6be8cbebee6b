"""Folding ticket events into SlaState, one event at a time (the SLA rules).

Response: starts at Opened; stops at the first public agent comment or at
Resolved; canceled by Canceled. Resolution: starts at Opened; paused on a
pausing hold and while resolved; runs again on Resumed/Reopened; stops at
Closed; canceled by Canceled. Priority changes and reopens follow the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.ticket import Ticket
from ticketing.policies.calendar import as_utc
from ticketing.sla.model import EventRef
from ticketing.sla.state import ClockTrack, SlaState

if TYPE_CHECKING:
    from ticketing.aggregates.ticket import TicketEvent
    from ticketing.policies.sla import Metric, SlaPolicy

_Handler = Callable[[SlaState, Any, EventRef, "SlaPolicy"], SlaState]
_Change = Callable[[ClockTrack], ClockTrack]


def event_ref(position: int, event: TicketEvent) -> EventRef:
    """How the evidence cites ``event`` found at global ``position``."""
    return EventRef(
        ticket_id=event.originator_id,
        version=event.originator_version,
        position=position,
        event_type=type(event).__name__,
        occurred_at=as_utc(event.timestamp),
    )


def open_state(policy: SlaPolicy, position: int, event: Ticket.Opened) -> SlaState:
    """The state right after ``Opened``: both clocks running."""
    ref = event_ref(position, event)
    p = event.priority
    detail = f"opened as {event.type} {p}"
    return SlaState(
        ticket_id=ref.ticket_id,
        ticket_type=event.type,
        priority=p,
        policy_version=policy.version,
        hold=None,
        resolved=False,
        cycle=1,
        clocks=(
            ClockTrack.begin(("response", 1, 1), ref, p, detail),
            ClockTrack.begin(("resolution", 1, 1), ref, p, detail),
        ),
        last=ref,
    )


def fold_event(
    policy: SlaPolicy, state: SlaState, position: int, event: TicketEvent
) -> SlaState:
    """``state`` after ``event``; events that affect no clock return it unchanged."""
    if event.originator_id != state.ticket_id:
        msg = f"event of ticket {event.originator_id} folded into {state.ticket_id}"
        raise ValueError(msg)
    handler = _HANDLERS.get(type(event))
    if handler is None:
        return state
    ref = event_ref(position, event)
    last = state.last
    if ref.position <= last.position or ref.version <= last.version:
        msg = (
            f"out of order: {ref.event_type} v{ref.version} at position "
            f"{ref.position} after v{last.version} at position {last.position}"
        )
        raise ValueError(msg)
    return handler(state, event, ref, policy)


def _live(
    state: SlaState, metric: Metric | None, change: _Change
) -> tuple[ClockTrack, ...]:
    return tuple(
        change(c) if c.live and (metric is None or metric == c.metric) else c
        for c in state.clocks
    )


def _paused_because(state: SlaState, policy: SlaPolicy) -> str | None:
    """Why a resolution clock started now would not run."""
    if state.resolved:  # pragma: no cover - the aggregate refuses changes when resolved
        return "resolved"
    if state.hold is not None and policy.pauses_on(state.hold):
        return f"on hold: {state.hold}"
    return None


def _on_comment(
    state: SlaState, e: Ticket.CommentAdded, ref: EventRef, policy: SlaPolicy
) -> SlaState:
    if e.visibility != "public" or e.author_kind != "agent":
        return state
    detail = "first public reply by an agent"
    clocks = _live(state, "response", lambda c: c.stop(ref, state.priority, detail))
    return state.after(ref, clocks, hold=state.hold)


def _on_hold(
    state: SlaState, e: Ticket.PutOnHold, ref: EventRef, policy: SlaPolicy
) -> SlaState:
    p = state.priority
    if policy.pauses_on(e.reason):
        clocks = _live(
            state, "resolution", lambda c: c.pause(ref, p, f"on hold: {e.reason}")
        )
    else:
        detail = f"on hold: {e.reason} does not pause under policy {policy.version}"
        clocks = _live(
            state, "resolution", lambda c: c.note("hold_not_pausing", ref, p, detail)
        )
    return state.after(ref, clocks, hold=e.reason)


def _on_resume(
    state: SlaState, e: Ticket.Resumed, ref: EventRef, policy: SlaPolicy
) -> SlaState:
    detail = f"resumed from hold: {state.hold}"
    p = state.priority
    clocks = _live(state, "resolution", lambda c: c.resume(ref, p, detail))
    return state.after(ref, clocks, hold=None)


def _on_resolved(
    state: SlaState, e: Ticket.Resolved, ref: EventRef, policy: SlaPolicy
) -> SlaState:
    p = state.priority

    def change(c: ClockTrack) -> ClockTrack:
        if c.metric == "response":
            return c.stop(ref, p, "resolved before any public reply by an agent")
        if c.phase == "paused":
            return c.pause(ref, p, f"resolved (already paused: on hold: {state.hold})")
        return c.pause(ref, p, "resolved")

    clocks = _live(state, None, change)
    return state.after(ref, clocks, hold=None, resolved=True)


def _on_reopened(
    state: SlaState, e: Ticket.Reopened, ref: EventRef, policy: SlaPolicy
) -> SlaState:
    p = state.priority
    if policy.reopen == "resume":
        clocks = _live(state, "resolution", lambda c: c.resume(ref, p, "reopened"))
        return state.after(ref, clocks, hold=state.hold, resolved=False)
    cycle = state.cycle + 1
    detail = f"reopened: cycle {state.cycle} ends, counted up to its resolution"
    clocks = _live(state, "resolution", lambda c: c.stop(ref, p, detail))
    key: tuple[Metric, int, int] = (
        "resolution",
        cycle,
        state.next_sequence("resolution"),
    )
    fresh = ClockTrack.begin(key, ref, p, f"reopened: cycle {cycle} starts")
    return state.after(
        ref, (*clocks, fresh), hold=state.hold, resolved=False, cycle=cycle
    )


def _on_closed(
    state: SlaState, e: Ticket.Closed, ref: EventRef, policy: SlaPolicy
) -> SlaState:
    detail = "closed; counted up to the last resolution"
    clocks = _live(state, None, lambda c: c.stop(ref, state.priority, detail))
    return state.after(ref, clocks, hold=state.hold)


def _on_canceled(
    state: SlaState, e: Ticket.Canceled, ref: EventRef, policy: SlaPolicy
) -> SlaState:
    clocks = _live(
        state, None, lambda c: c.cancel(ref, state.priority, "ticket canceled")
    )
    return state.after(ref, clocks, hold=None)


def _on_priority(
    state: SlaState, e: Ticket.PriorityChanged, ref: EventRef, policy: SlaPolicy
) -> SlaState:
    old, new = state.priority, e.priority
    if old == new:
        return state
    if policy.priority_change == "retroactive":
        detail = (
            f"priority {old} -> {new}: its target and calendar apply to the whole clock"
        )
        clocks = _live(state, None, lambda c: c.retarget(ref, new, detail))
        return state.after(ref, clocks, hold=state.hold, priority=new)
    # At most one clock per metric is live, so each restart takes the next number.
    detail = f"priority {old} -> {new}: clock restarted"
    fresh = tuple(
        ClockTrack.begin(
            (c.metric, c.cycle, state.next_sequence(c.metric)),
            ref,
            new,
            detail,
            _paused_because(state, policy) if c.metric == "resolution" else None,
        )
        for c in state.clocks
        if c.live
    )
    clocks = _live(state, None, lambda c: c.cancel(ref, new, detail))
    return state.after(ref, (*clocks, *fresh), hold=state.hold, priority=new)


_HANDLERS: Final[dict[type, _Handler]] = {
    Ticket.CommentAdded: _on_comment,
    Ticket.PutOnHold: _on_hold,
    Ticket.Resumed: _on_resume,
    Ticket.Resolved: _on_resolved,
    Ticket.Reopened: _on_reopened,
    Ticket.Closed: _on_closed,
    Ticket.Canceled: _on_canceled,
    Ticket.PriorityChanged: _on_priority,
}

#: Every event type that can change an SLA clock (Opened included): a
#: projection may subscribe to just these topics.
SLA_EVENT_TYPES: Final[tuple[type[TicketEvent], ...]] = (Ticket.Opened, *_HANDLERS)
