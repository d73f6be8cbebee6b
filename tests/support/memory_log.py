"""An in-memory log and processor for fast rules tests (no database).

``Sim`` records real aggregate events (tickets, agents, groups, policy
activations) into a ``MemoryLog`` with positions, and ``Sim.run`` follows the
log like ``AutomationProcessor`` does: skip imports and halts, ask the reactor,
refuse beyond the depth bound (recording ``AutomationHalted``), execute each
reaction on the ticket with the processor's envelope and command id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from tests.support.builders import MATRIX, draft
from ticketing.aggregates.directory import Agent, Group
from ticketing.aggregates.drafts import PriorityChange
from ticketing.aggregates.envelope import Actor, Envelope, EventContext
from ticketing.aggregates.policy import PolicyTrack
from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.automation.limits import MAX_CHAIN_DEPTH
from ticketing.automation.processor import (
    AUTOMATION_ACTOR,
    event_id,
    reaction_command_id,
)
from ticketing.commands import messages as m
from ticketing.errors import DomainError
from ticketing.projections.base import LogEvent
from ticketing.rules.reactor import PROCESSOR_KEY, RulesReactor

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from eventsourcing.domain import Aggregate

    from ticketing.rules import Directory
    from ticketing.rules.webhooks import WebhookRequest

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_IDS = uuid.UUID("0b5e1c3e-8d4f-4c1e-9a53-6a0d6f1d7e21")
PERSON = Actor(id="alice", role="agent", kind="human")
IMPORTER = Actor(id="migration", role="import", kind="import")


class MemoryLog:
    """A ``LogReader`` over a list of events in position order."""

    def __init__(self) -> None:
        self.events: list[LogEvent] = []
        self.by_ticket: dict[uuid.UUID, list[LogEvent]] = {}

    def append(self, event: Any) -> LogEvent:
        position = len(self.events) + 1
        log = LogEvent(position, event.timestamp, get_topic(type(event)), event)
        self.events.append(log)
        if isinstance(event, TicketEvent):
            self.by_ticket.setdefault(log.originator_id, []).append(log)
        return log

    def read(
        self, after: int, limit: int, topics: Sequence[str] = ()
    ) -> Sequence[LogEvent]:
        found: list[LogEvent] = []
        for log in self.events[after:]:  # positions are 1, 2, 3, ...
            if not topics or log.topic in topics:
                found.append(log)
                if len(found) >= limit:
                    break
        return found

    def head(self) -> int:
        return len(self.events)

    def ticket_at(self, ticket_id: uuid.UUID, version: int) -> Ticket:
        ticket: Ticket | None = None
        for log in self.by_ticket[ticket_id][:version]:
            ticket = log.event.mutate(ticket)
        assert ticket is not None
        return ticket


@dataclass
class ListSink:
    requests: list[WebhookRequest] = field(default_factory=list)

    def enqueue(self, request: WebhookRequest) -> bool:
        if any(r.id == request.id for r in self.requests):
            return False
        self.requests.append(request)
        return True


@dataclass
class Sim:
    """Records aggregates' events in a memory log; runs a reactor over it."""

    log: MemoryLog = field(default_factory=MemoryLog)
    at: datetime = T0
    tickets: dict[uuid.UUID, Ticket] = field(default_factory=dict)
    cursor: int = 0
    numbers: int = 0
    serial: int = 0
    outcomes: list[tuple[int, str, str]] = field(default_factory=list)

    def next_id(self) -> uuid.UUID:
        """Deterministic ids: the same script gives the same log, byte for byte."""
        self.serial += 1
        return uuid.uuid5(_IDS, str(self.serial))

    def ctx(self, actor: Actor = PERSON, **envelope: Any) -> EventContext:
        self.at += timedelta(seconds=30)
        command_id = envelope.pop("command_id", str(self.next_id()))
        env = Envelope(
            actor=actor,
            command_id=command_id,
            correlation_id=envelope.pop("correlation_id", command_id),
            **envelope,
        )
        return EventContext(envelope=env, occurred_at=self.at)

    def record(self, aggregate: Aggregate) -> None:
        for event in aggregate.collect_events():
            self.log.append(event)

    # -- setup -------------------------------------------------------------------

    def directory(self, directory: Directory) -> None:
        for agent in directory.agents.values():
            capacity = 10_000 if agent.capacity is None else agent.capacity
            self.record(
                Agent.register(
                    self.ctx(),
                    agent.id,
                    agent.id,
                    sorted(agent.skills),
                    capacity,
                    on_shift=agent.on_shift,
                )
            )
        for group in directory.groups.values():
            g = Group.create(self.ctx(), group.id, group.id)
            for member in sorted(group.members):
                g.add_member(self.ctx(), member)
            self.record(g)

    def activate(self, text: str, version: str, at: datetime | None = None) -> None:
        track = PolicyTrack.start("rules", self.ctx())
        ctx = self.ctx()
        track.activate(ctx, version, at or ctx.occurred_at, {"rules.toml": text})
        self.record(track)

    # -- people -------------------------------------------------------------------

    def open(self, actor: Actor = PERSON, **fields: Any) -> uuid.UUID:
        self.numbers += 1
        ticket_id = self.next_id()
        values = {
            "number": f"INC{self.numbers:07d}",
            "title": "Something broke",
            **fields,
        }
        ticket = Ticket.open(ticket_id, self.ctx(actor), draft(**values))
        self.tickets[ticket_id] = ticket
        self.record(ticket)
        return ticket_id

    def act(
        self, ticket_id: uuid.UUID, do: Callable[[Ticket, EventContext], None]
    ) -> None:
        ticket = self.tickets[ticket_id]
        try:
            do(ticket, self.ctx())
        except DomainError:
            ticket.collect_events()  # refused: nothing recorded
            return
        self.record(ticket)

    # -- the processor ----------------------------------------------------------------

    def run(self, reactor: RulesReactor, max_depth: int = MAX_CHAIN_DEPTH) -> None:
        while self.cursor < len(self.log.events):
            log = self.log.events[self.cursor]
            self.cursor += 1
            event = log.event
            meta = getattr(event, "meta", None)
            if meta is None or meta.actor.kind == "import":
                continue
            if isinstance(event, Ticket.AutomationHalted):
                continue
            reactions = reactor.react(log)
            limit = min([max_depth, *(r.max_depth for r in reactions if r.max_depth)])
            for reaction in reactions:
                if meta.depth >= limit:
                    self._halt(log, reaction.rule_id, reaction.action, limit)
                else:
                    self._execute(
                        log,
                        reaction.command,
                        reaction.rule_id,
                        reaction.rule_set_version,
                        reaction.action,
                    )

    def _envelope(
        self, log: LogEvent, rule_id: str, version: str, action: str
    ) -> EventContext:
        meta = log.event.meta
        return self.ctx(
            Actor(id=f"rule:{rule_id}", role="automation", kind="rule"),
            command_id=reaction_command_id(
                PROCESSOR_KEY, event_id(log), rule_id, action
            ),
            correlation_id=meta.correlation_id,
            causation_id=event_id(log),
            rule_id=rule_id,
            rule_set_version=version,
            depth=meta.depth + 1,
        )

    def _execute(
        self, log: LogEvent, command: m.Command, rule_id: str, version: str, action: str
    ) -> None:
        assert isinstance(command, m.TicketCommand)
        ticket = self.tickets[command.ticket_id]
        ctx = self._envelope(log, rule_id, version, action)
        try:
            apply_command(ticket, command, ctx)
        except DomainError as exc:
            ticket.collect_events()
            self.outcomes.append((log.position, rule_id, f"refused: {exc.message}"))
            return
        self.record(ticket)
        self.outcomes.append((log.position, rule_id, "applied"))

    def _halt(self, log: LogEvent, rule_id: str, action: str, limit: int) -> None:
        ticket = self.tickets[log.originator_id]
        meta = log.event.meta
        ctx = self.ctx(
            AUTOMATION_ACTOR,
            correlation_id=meta.correlation_id,
            causation_id=event_id(log),
            rule_id=rule_id,
            depth=meta.depth + 1,
        )
        ticket.record_automation_halt(ctx, rule_id, action, f"limit {limit}")
        self.record(ticket)
        self.outcomes.append((log.position, rule_id, "halted"))


def apply_command(ticket: Ticket, command: m.TicketCommand, ctx: EventContext) -> None:
    """The ticket side of the command service, for the commands rules issue."""
    match command:
        case m.RouteTicket():
            ticket.route(ctx, command.queue, command.group)
        case m.AssignTicket():
            ticket.assign(ctx, command.agent_id, command.group)
        case m.TagTicket():
            ticket.tag(ctx, command.tag)
        case m.EscalateTicket():
            ticket.escalate(ctx, command.level, command.reason)
        case m.ChangePriority():
            change = PriorityChange(
                MATRIX, command.impact, command.urgency, None, command.reason
            )
            ticket.change_priority(ctx, change)
        case _:
            raise AssertionError(command)


def memory_reactor(sim: Sim, sink: ListSink | None = None) -> RulesReactor:
    return RulesReactor(sim.log, sim.log.ticket_at, MATRIX, sink or ListSink())
