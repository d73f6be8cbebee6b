"""A seeded, realistic ticket history written straight through the aggregate.

Arrivals in office hours over some weeks; routing, assignment, first replies,
holds, priority changes, resolutions, reopens, closures and cancellations,
interleaved across tickets in time order as a live log would be. Used by SLA
tests (small) and benchmarks (100k tickets): saving many aggregates per
transaction is far faster than one command at a time.
"""

from __future__ import annotations

import heapq
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from ticketing.aggregates.drafts import PriorityChange, TicketDraft
from ticketing.aggregates.envelope import Actor, Envelope, EventContext
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import format_number
from ticketing.policies.priority import load_priority_matrix

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from eventsourcing.domain import Aggregate

    from ticketing.aggregates.vocabulary import Priority, TicketType
    from ticketing.commands.application import TicketingApplication

QUEUES: Final = ("network", "desktop", "apps", "identity", "facilities")
MATRIX: Final = load_priority_matrix()
AGENT: Final = Actor(id="agent-1", role="agent", kind="human")
IMPORTER: Final = Actor(id="importer", role="admin", kind="import")

Step = tuple[timedelta, str]


@dataclass(frozen=True, slots=True)
class HistorySpec:
    """How much history to write, and from which seed."""

    tickets: int
    seed: int = 7
    start: datetime = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    days: int = 60
    #: Actions planned after this instant are not written (those tickets stay open).
    horizon: datetime | None = None
    actor: Actor = AGENT
    save_every: int = 400


@dataclass
class _Plan:
    ticket_id: uuid.UUID
    number: str
    ticket_type: TicketType
    impact: int
    urgency: int
    opened_at: datetime
    steps: list[Step] = field(default_factory=list)


def plan_tickets(spec: HistorySpec) -> list[_Plan]:
    """Every ticket's life as (offset from opening, action) steps."""
    rnd = random.Random(spec.seed)  # noqa: S311 - synthetic data, not secrets
    sequences: dict[str, int] = {}
    plans: list[_Plan] = []
    for _ in range(spec.tickets):
        ticket_type: TicketType = rnd.choices(
            ("incident", "service_request", "problem", "change"), (70, 24, 3, 3)
        )[0]
        sequences[ticket_type] = sequences.get(ticket_type, 0) + 1
        day = spec.start + timedelta(days=rnd.randrange(spec.days))
        if day.weekday() >= 5:  # arrivals mostly on weekdays
            day += timedelta(days=7 - day.weekday())
        opened_at = day + timedelta(minutes=rnd.randrange(10 * 60))
        plan = _Plan(
            ticket_id=uuid.UUID(int=rnd.getrandbits(128), version=4),
            number=format_number(ticket_type, sequences[ticket_type]),
            ticket_type=ticket_type,
            impact=rnd.choice((1, 2, 2, 3, 3, 3)),
            urgency=rnd.choice((1, 2, 2, 3, 3, 3)),
            opened_at=opened_at,
        )
        priority = MATRIX.priority_for(plan.impact, plan.urgency)
        plan.steps = _steps(rnd, _PACE[priority])
        plans.append(plan)
    return plans


#: Minutes to the first reply and to the resolution, by priority (lo, hi).
_PACE: Final[dict[str, tuple[tuple[int, int], tuple[int, int]]]] = {
    "P1": ((2, 25), (30, 330)),
    "P2": ((5, 45), (60, 720)),
    "P3": ((10, 360), (120, 3000)),
    "P4": ((10, 600), (120, 4000)),
    "P5": ((10, 900), (120, 6000)),
}


def _steps(
    rnd: random.Random, pace: tuple[tuple[int, int], tuple[int, int]]
) -> list[Step]:
    minutes: Callable[[int, int], timedelta] = lambda a, b: timedelta(  # noqa: E731
        minutes=rnd.randint(a, b)
    )
    reply, resolve = pace
    at = minutes(1, 5)
    steps: list[Step] = [(at, "route")]
    at += minutes(1, 10)
    steps.append((at, "assign"))
    if rnd.random() < 0.9:
        at = max(at + minutes(1, 2), minutes(*reply))
        steps.append((at, "reply"))
    if rnd.random() < 0.1:
        at += minutes(10, 240)
        steps.append((at, "priority"))
    if rnd.random() < 0.05:
        steps.append((at + minutes(10, 600), "cancel"))
        return steps
    if rnd.random() < 0.2:
        at += minutes(10, 600)
        steps.append((at, "hold"))
        at += minutes(60, 2880)
        steps.append((at, "resume"))
    at += minutes(*resolve)
    steps.append((at, "resolve"))
    if rnd.random() < 0.1:
        at += minutes(60, 1440)
        steps.append((at, "reopen"))
        at += minutes(60, 600)
        steps.append((at, "resolve"))
    steps.append((at + minutes(1440, 4320), "close"))
    return steps


def _context(actor: Actor, at: datetime, key: str) -> EventContext:
    return EventContext(Envelope(actor=actor, command_id=key, correlation_id=key), at)


def _open(plan: _Plan, actor: Actor) -> Ticket:
    draft = TicketDraft(
        number=plan.number,
        type=plan.ticket_type,
        title=f"{plan.ticket_type} {plan.number}",
        description="synthetic",
        impact=plan.impact,
        urgency=plan.urgency,
        matrix=MATRIX,
        requester_id=f"user-{plan.number[-3:]}",
        channel="web",
    )
    ctx = _context(actor, plan.opened_at, f"{plan.ticket_id}:0")
    return Ticket.open(plan.ticket_id, ctx, draft)


def _act(ticket: Ticket, action: str, ctx: EventContext, rnd: random.Random) -> None:
    match action:
        case "route":
            queue = rnd.choice(QUEUES)
            ticket.route(ctx, queue, f"{queue}-l1")
        case "assign":
            ticket.assign(ctx, f"agent-{rnd.randrange(40)}", None)
        case "reply":
            ticket.comment(ctx, "looking into it", "public", "agent")
        case "priority":
            bumped: Priority = "P1" if ticket.priority != "P1" else "P3"
            change = PriorityChange(MATRIX, override=bumped, reason="re-triaged")
            ticket.change_priority(ctx, change)
        case "hold":
            ticket.put_on_hold(ctx, "awaiting_caller", None)
        case "resume":
            ticket.resume(ctx, None)
        case "resolve":
            ticket.resolve(ctx, "fixed", "done")
        case "reopen":
            ticket.reopen(ctx, "not fixed")
        case "close":
            ticket.close(ctx, None)
        case "cancel":
            ticket.cancel(ctx, "duplicate")
        case _:  # pragma: no cover - closed set
            raise ValueError(action)


def timeline(spec: HistorySpec) -> Iterator[tuple[datetime, int, int]]:
    """(instant, ticket index, step index; -1 = open) in time order."""
    plans = plan_tickets(spec)
    heap: list[tuple[datetime, int, int]] = [
        (p.opened_at, i, -1) for i, p in enumerate(plans)
    ]
    heapq.heapify(heap)
    while heap:
        at, i, step = heapq.heappop(heap)
        if spec.horizon is not None and at > spec.horizon:
            return
        yield at, i, step
        nxt = step + 1
        if nxt < len(plans[i].steps):
            heapq.heappush(heap, (plans[i].opened_at + plans[i].steps[nxt][0], i, nxt))


def write_history(app: TicketingApplication, spec: HistorySpec) -> int:
    """Write the history into ``app``'s log; returns the number of events."""
    plans = plan_tickets(spec)
    rnd = random.Random(spec.seed + 1)  # noqa: S311 - synthetic data
    tickets: dict[int, Ticket] = {}
    touched: dict[int, Aggregate] = {}
    written = pending = 0
    for at, i, step in timeline(spec):
        if step < 0:
            tickets[i] = _open(plans[i], spec.actor)
        else:
            key = f"{plans[i].ticket_id}:{step + 1}"
            _act(
                tickets[i], plans[i].steps[step][1], _context(spec.actor, at, key), rnd
            )
        touched[i] = tickets[i]
        pending += 1
        if pending >= spec.save_every:
            app.save(*touched.values())
            written += pending
            touched, pending = {}, 0
    if touched:
        app.save(*touched.values())
        written += pending
    return written
