"""The Ticket aggregate: one incident, request, problem or change, from open to close.

Public methods are guards: they check the command against the current state
and either raise a ``DomainError`` (recording nothing) or trigger exactly the
events that record the decision. Events are nested, past tense, versioned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as BaseSnapshot

from ticketing.aggregates.vocabulary import (
    FINAL_STATES,
    OPEN_STATES,
    AuthorKind,
    HoldReason,
    LinkKind,
    Priority,
    State,
    TicketType,
    Visibility,
)
from ticketing.errors import (
    InvalidTransitionError,
    NoChangeError,
    OutOfOrderTimeError,
)

if TYPE_CHECKING:
    import builtins
    from datetime import datetime
    from uuid import UUID

    from ticketing.aggregates.drafts import PriorityChange, TicketDraft
    from ticketing.aggregates.envelope import Envelope, EventContext


class TicketEvent(Aggregate.Event):
    """Base of every ticket event: the audit envelope plus a class version."""

    class_version = 1
    meta: Envelope

    @property
    def occurred_at(self) -> datetime:
        return self.timestamp


class Ticket(Aggregate):
    """One support ticket and its ITIL lifecycle."""

    # -- events --------------------------------------------------------------

    class Opened(TicketEvent, Aggregate.Created):
        number: str
        type: TicketType
        title: str
        description: str
        category: str | None
        subcategory: str | None
        service: str | None
        configuration_item: str | None
        requester_id: str
        requester_org: str | None
        requester_site: str | None
        channel: str
        impact: int
        urgency: int
        priority: Priority
        matrix_version: str
        priority_override_reason: str | None
        tags: list[str]

        def apply(self, aggregate: Ticket) -> None:
            t = aggregate
            t.number, t.type, t.title = self.number, self.type, self.title
            t.description, t.category = self.description, self.category
            t.subcategory, t.service = self.subcategory, self.service
            t.configuration_item = self.configuration_item
            t.requester_id, t.requester_org = self.requester_id, self.requester_org
            t.requester_site, t.channel = self.requester_site, self.channel
            t.impact, t.urgency, t.priority = self.impact, self.urgency, self.priority
            t.matrix_version = self.matrix_version
            t.priority_overridden = self.priority_override_reason is not None
            t.tags = tuple(sorted(set(self.tags)))
            t.state, t.state_before_hold, t.hold_reason = "new", None, None
            t.queue, t.group, t.assignee = None, None, None
            t.escalation_level = 0
            t.links = ()
            t.resolution_code, t.resolution_notes = None, None
            t.opened_at, t.resolved_at, t.closed_at = self.timestamp, None, None

    class Routed(TicketEvent):
        queue: str
        group: str | None

        def apply(self, aggregate: Ticket) -> None:
            aggregate.queue, aggregate.group = self.queue, self.group

    class Assigned(TicketEvent):
        agent_id: str
        group: str | None

        def apply(self, aggregate: Ticket) -> None:
            aggregate.assignee = self.agent_id
            if self.group is not None:
                aggregate.group = self.group
            if aggregate.state == "new":
                aggregate.state = "in_progress"
            elif aggregate.state_before_hold == "new":
                # assigned while on hold: resuming must not make it "new" again
                aggregate.state_before_hold = "in_progress"

    class Unassigned(TicketEvent):
        agent_id: str
        reason: str | None

        def apply(self, aggregate: Ticket) -> None:
            aggregate.assignee = None

    class PriorityChanged(TicketEvent):
        impact: int
        urgency: int
        priority: Priority
        matrix_version: str
        overridden: bool
        reason: str | None

        def apply(self, aggregate: Ticket) -> None:
            aggregate.impact, aggregate.urgency = self.impact, self.urgency
            aggregate.priority = self.priority
            aggregate.matrix_version = self.matrix_version
            aggregate.priority_overridden = self.overridden

    class CommentAdded(TicketEvent):
        body: str
        visibility: Visibility
        author_kind: AuthorKind

    class PutOnHold(TicketEvent):
        reason: HoldReason
        note: str | None

        def apply(self, aggregate: Ticket) -> None:
            aggregate.state_before_hold = aggregate.state
            aggregate.state, aggregate.hold_reason = "on_hold", self.reason

    class Resumed(TicketEvent):
        note: str | None

        def apply(self, aggregate: Ticket) -> None:
            aggregate.state = aggregate.state_before_hold or "in_progress"
            aggregate.state_before_hold, aggregate.hold_reason = None, None

    class Escalated(TicketEvent):
        level: int
        reason: str

        def apply(self, aggregate: Ticket) -> None:
            aggregate.escalation_level = self.level

    class Resolved(TicketEvent):
        resolution_code: str
        notes: str

        def apply(self, aggregate: Ticket) -> None:
            aggregate.state, aggregate.hold_reason = "resolved", None
            aggregate.state_before_hold = None
            aggregate.resolution_code = self.resolution_code
            aggregate.resolution_notes = self.notes
            aggregate.resolved_at = self.timestamp

    class Reopened(TicketEvent):
        reason: str

        def apply(self, aggregate: Ticket) -> None:
            aggregate.state = "in_progress"
            aggregate.resolution_code, aggregate.resolution_notes = None, None
            aggregate.resolved_at = None

    class Closed(TicketEvent):
        note: str | None

        def apply(self, aggregate: Ticket) -> None:
            aggregate.state, aggregate.closed_at = "closed", self.timestamp

    class Canceled(TicketEvent):
        reason: str

        def apply(self, aggregate: Ticket) -> None:
            aggregate.state, aggregate.hold_reason = "canceled", None
            aggregate.state_before_hold = None
            aggregate.closed_at = self.timestamp

    class Linked(TicketEvent):
        kind: LinkKind
        target_id: str

        def apply(self, aggregate: Ticket) -> None:
            links = {*aggregate.links, (self.kind, self.target_id)}
            aggregate.links = tuple(sorted(links))

    class Unlinked(TicketEvent):
        kind: LinkKind
        target_id: str

        def apply(self, aggregate: Ticket) -> None:
            links = set(aggregate.links) - {(self.kind, self.target_id)}
            aggregate.links = tuple(sorted(links))

    class Tagged(TicketEvent):
        tag: str

        def apply(self, aggregate: Ticket) -> None:
            aggregate.tags = tuple(sorted({*aggregate.tags, self.tag}))

    class Untagged(TicketEvent):
        tag: str

        def apply(self, aggregate: Ticket) -> None:
            aggregate.tags = tuple(sorted(set(aggregate.tags) - {self.tag}))

    class AutomationHalted(TicketEvent):
        """Automation refused to go on (e.g. a rule loop); nothing else changed."""

        rule_id: str
        action: str
        depth: int
        reason: str

    class Snapshot(BaseSnapshot):
        """Snapshot whose JSON arrays come back as the tuples the state uses."""

        def mutate(self, aggregate: None) -> Ticket:
            return Ticket.normalise_state(
                cast("Ticket", BaseSnapshot.mutate(self, aggregate))
            )

    @staticmethod
    def normalise_state(ticket: Ticket) -> Ticket:
        """Restore the tuples that a JSON round trip turns into lists."""
        ticket.tags = tuple(ticket.tags)
        ticket.links = tuple((kind, target) for kind, target in ticket.links)
        return ticket

    # -- state (set by the events above) --------------------------------------

    number: str
    type: TicketType
    title: str
    description: str
    category: str | None
    subcategory: str | None
    service: str | None
    configuration_item: str | None
    requester_id: str
    requester_org: str | None
    requester_site: str | None
    channel: str
    impact: int
    urgency: int
    priority: Priority
    matrix_version: str
    priority_overridden: bool
    tags: tuple[str, ...]
    state: State
    state_before_hold: State | None
    hold_reason: HoldReason | None
    queue: str | None
    group: str | None
    assignee: str | None
    escalation_level: int
    links: tuple[tuple[str, str], ...]
    resolution_code: str | None
    resolution_notes: str | None
    opened_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None

    def __init__(self) -> None:
        """State is set by ``Opened.apply``; the annotations above document it."""

    # -- commands --------------------------------------------------------------

    @classmethod
    def open(cls, ticket_id: UUID, ctx: EventContext, draft: TicketDraft) -> Ticket:
        """Open a new ticket; the priority comes from the draft's matrix."""
        return cls._create(
            cls.Opened,
            id=ticket_id,
            timestamp=ctx.occurred_at,
            meta=ctx.envelope,
            **draft.event_fields(),
        )

    def route(self, ctx: EventContext, queue: str, group: str | None) -> None:
        self._guard(ctx, "route", OPEN_STATES)
        if (queue, group) == (self.queue, self.group):
            raise self._no_change("route", f"already in queue {queue!r}")
        self._trigger(ctx, Ticket.Routed, queue=queue, group=group)

    def assign(self, ctx: EventContext, agent_id: str, group: str | None) -> None:
        self._guard(ctx, "assign", OPEN_STATES)
        if agent_id == self.assignee and group in (None, self.group):
            raise self._no_change("assign", f"already assigned to {agent_id!r}")
        self._trigger(ctx, Ticket.Assigned, agent_id=agent_id, group=group)

    def unassign(self, ctx: EventContext, reason: str | None) -> None:
        self._guard(ctx, "unassign", OPEN_STATES)
        if self.assignee is None:
            raise self._no_change("unassign", "nobody is assigned")
        self._trigger(ctx, Ticket.Unassigned, agent_id=self.assignee, reason=reason)

    def change_priority(self, ctx: EventContext, change: PriorityChange) -> None:
        self._guard(ctx, "change_priority", OPEN_STATES)
        impact = change.impact if change.impact is not None else self.impact
        urgency = change.urgency if change.urgency is not None else self.urgency
        overridden = change.override is not None
        priority = change.override or change.matrix.priority_for(impact, urgency)
        before = (self.impact, self.urgency, self.priority, self.priority_overridden)
        if before == (impact, urgency, priority, overridden):
            raise self._no_change("change_priority", "impact, urgency and priority")
        self._trigger(
            ctx,
            Ticket.PriorityChanged,
            impact=impact,
            urgency=urgency,
            priority=priority,
            matrix_version=change.matrix.version,
            overridden=overridden,
            reason=change.reason,
        )

    def comment(
        self, ctx: EventContext, body: str, visibility: Visibility, author: AuthorKind
    ) -> None:
        self._guard(ctx, "comment", OPEN_STATES | {"resolved"})
        self._trigger(
            ctx,
            Ticket.CommentAdded,
            body=body,
            visibility=visibility,
            author_kind=author,
        )

    def put_on_hold(
        self, ctx: EventContext, reason: HoldReason, note: str | None
    ) -> None:
        self._guard(ctx, "put_on_hold", {"new", "in_progress"})
        self._trigger(ctx, Ticket.PutOnHold, reason=reason, note=note)

    def resume(self, ctx: EventContext, note: str | None) -> None:
        self._guard(ctx, "resume", {"on_hold"})
        self._trigger(ctx, Ticket.Resumed, note=note)

    def escalate(self, ctx: EventContext, level: int | None, reason: str) -> None:
        self._guard(ctx, "escalate", OPEN_STATES)
        new_level = self.escalation_level + 1 if level is None else level
        if new_level <= self.escalation_level:
            detail = f"already at escalation level {self.escalation_level}"
            raise self._no_change("escalate", detail)
        self._trigger(ctx, Ticket.Escalated, level=new_level, reason=reason)

    def resolve(self, ctx: EventContext, resolution_code: str, notes: str) -> None:
        self._guard(ctx, "resolve", OPEN_STATES)
        self._trigger(
            ctx, Ticket.Resolved, resolution_code=resolution_code, notes=notes
        )

    def reopen(self, ctx: EventContext, reason: str) -> None:
        self._guard(ctx, "reopen", {"resolved"})
        self._trigger(ctx, Ticket.Reopened, reason=reason)

    def close(self, ctx: EventContext, note: str | None) -> None:
        self._guard(ctx, "close", {"resolved"})
        self._trigger(ctx, Ticket.Closed, note=note)

    def cancel(self, ctx: EventContext, reason: str) -> None:
        self._guard(ctx, "cancel", OPEN_STATES)
        self._trigger(ctx, Ticket.Canceled, reason=reason)

    def link(self, ctx: EventContext, kind: LinkKind, target_id: str) -> None:
        self._guard(ctx, "link", _NOT_FINAL)
        if (kind, target_id) in self.links:
            raise self._no_change("link", f"already linked as {kind} to {target_id}")
        self._trigger(ctx, Ticket.Linked, kind=kind, target_id=target_id)

    def unlink(self, ctx: EventContext, kind: LinkKind, target_id: str) -> None:
        self._guard(ctx, "unlink", _NOT_FINAL)
        if (kind, target_id) not in self.links:
            raise self._no_change("unlink", f"not linked as {kind} to {target_id}")
        self._trigger(ctx, Ticket.Unlinked, kind=kind, target_id=target_id)

    def tag(self, ctx: EventContext, tag: str) -> None:
        self._guard(ctx, "tag", _NOT_FINAL)
        if tag in self.tags:
            raise self._no_change("tag", f"already tagged {tag!r}")
        self._trigger(ctx, Ticket.Tagged, tag=tag)

    def untag(self, ctx: EventContext, tag: str) -> None:
        self._guard(ctx, "untag", _NOT_FINAL)
        if tag not in self.tags:
            raise self._no_change("untag", f"not tagged {tag!r}")
        self._trigger(ctx, Ticket.Untagged, tag=tag)

    def record_automation_halt(
        self, ctx: EventContext, rule_id: str, action: str, reason: str
    ) -> None:
        """Record, on the ticket, that automation stopped instead of acting."""
        self._guard(ctx, "record_automation_halt", _NOT_FINAL)
        self._trigger(
            ctx,
            Ticket.AutomationHalted,
            rule_id=rule_id,
            action=action,
            depth=ctx.envelope.depth,
            reason=reason,
        )

    # -- helpers ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def _guard(
        self, ctx: EventContext, command: str, allowed: frozenset[State] | set[State]
    ) -> None:
        if self.state not in allowed:
            raise InvalidTransitionError.for_ticket(self.number, self.state, command)
        if ctx.occurred_at < self.modified_on:
            raise OutOfOrderTimeError(
                f"{command} at {ctx.occurred_at.isoformat()} is earlier than the "
                f"previous event of {self.number} at {self.modified_on.isoformat()}",
                {
                    "ticket": self.number,
                    "occurred_at": ctx.occurred_at.isoformat(),
                    "previous_event_at": self.modified_on.isoformat(),
                },
            )

    def _no_change(self, command: str, what: str) -> NoChangeError:
        return NoChangeError(
            f"{command} would not change ticket {self.number}: {what}",
            {"ticket": self.number, "command": command},
        )

    def _trigger(
        self, ctx: EventContext, event_class: builtins.type[TicketEvent], **fields: Any
    ) -> None:
        self.trigger_event(
            event_class, timestamp=ctx.occurred_at, meta=ctx.envelope, **fields
        )


_NOT_FINAL: frozenset[State] = frozenset(
    s for s in (*OPEN_STATES, "resolved") if s not in FINAL_STATES
)


def ticket_event_topics() -> tuple[str, ...]:
    """The stored topic of every ticket event class (for projection filters)."""
    from eventsourcing.utils import get_topic  # noqa: PLC0415

    classes = [
        value
        for value in vars(Ticket).values()
        if isinstance(value, type) and issubclass(value, TicketEvent)
    ]
    return tuple(sorted(get_topic(cls) for cls in classes))
