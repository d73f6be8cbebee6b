"""The rules engine's state, folded from the log: directory, load, cursors, rule sets.

Pure: ``RulesState.apply`` takes the decoded events in position order and
nothing else (no clock, no store), so the same history gives the same state
live, after a restart and in preview. Kept small: per ticket only what load
and timers need, and only while the ticket is not closed or canceled.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ticketing.aggregates.directory import Agent as AgentAggregate
from ticketing.aggregates.directory import Group as GroupAggregate
from ticketing.aggregates.policy import PolicyTrack, policy_track_id
from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.errors import PolicyError
from ticketing.rules.actions import AssignAction
from ticketing.rules.activations import (
    RULES_KIND,
    Activation,
    Timeline,
    parse_rule_documents,
)
from ticketing.rules.directory import Agent, Directory, Group

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from ticketing.projections.base import LogEvent

logger = logging.getLogger(__name__)

_RULES_TRACK = policy_track_id(RULES_KIND)
_CLOSING = (Ticket.Closed, Ticket.Canceled)


@dataclass(slots=True)
class TicketTrack:
    """What the rules state keeps per ticket that is not closed or canceled."""

    version: int
    is_open: bool
    assignee: str | None
    opened_at: datetime
    opened_recorded_at: datetime
    last_at: datetime
    last_recorded_at: datetime
    correlation_id: str

    @property
    def load_holder(self) -> str | None:
        """The agent this ticket counts against (open and assigned), if any."""
        return self.assignee if self.is_open else None


@dataclass(slots=True)
class RulesState:
    """Everything decisions depend on besides the ticket itself."""

    position: int = 0
    agents: dict[str, Agent] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)
    tickets: dict[UUID, TicketTrack] = field(default_factory=dict)
    load: Counter[str] = field(default_factory=Counter)
    cursors: dict[str, str] = field(default_factory=dict)
    timeline: Timeline = field(default_factory=Timeline)
    #: Tickets opened so far (including those closed since).
    opened: int = 0
    _names: dict[UUID, str] = field(default_factory=dict)
    _directory: Directory | None = None

    def apply(self, log: LogEvent) -> None:
        """Fold one event (positions must increase)."""
        if log.position <= self.position:
            msg = f"event at {log.position} is not after {self.position}"
            raise ValueError(msg)
        self.position = log.position
        event = log.event
        if isinstance(event, TicketEvent):
            self._ticket(log)
        elif isinstance(event, AgentAggregate.Registered | GroupAggregate.Created):
            self._created(event)
        elif isinstance(event, PolicyTrack.Activated):
            self._activated(log)
        else:
            self._directory_change(event)

    # -- directory -------------------------------------------------------------

    def directory(self, queues: frozenset[str] = frozenset()) -> Directory:
        """The directory as of ``position`` (with the given queues)."""
        if self._directory is None:
            # members are known agents (the service checks); an imported log
            # might not guarantee it, and an unknown member can take no work
            groups = [
                Group(g, frozenset(m) & self.agents.keys())
                for g, m in self.groups.items()
            ]
            self._directory = Directory.of((), groups, self.agents.values())
        if queues == self._directory.queues:
            return self._directory
        return Directory(queues, self._directory.groups, self._directory.agents)

    def _created(self, event: object) -> None:
        if isinstance(event, AgentAggregate.Registered):
            self._names[event.originator_id] = event.agent_id
            self.agents[event.agent_id] = Agent(
                event.agent_id,
                frozenset(event.skills),
                event.capacity,
                on_shift=event.on_shift,
            )
        elif isinstance(event, GroupAggregate.Created):
            self._names[event.originator_id] = event.group_id
            self.groups.setdefault(event.group_id, set())
        self._directory = None

    def _directory_change(self, event: object) -> None:
        originator = getattr(event, "originator_id", None)
        name = self._names.get(originator) if originator is not None else None
        if name is None:
            return  # not a directory event (e.g. PolicyTrack.Started)
        agent = self.agents.get(name)
        if isinstance(event, AgentAggregate.SkillsChanged) and agent:
            self.agents[name] = replace(agent, skills=frozenset(event.skills))
        elif isinstance(event, AgentAggregate.CapacityChanged) and agent:
            self.agents[name] = replace(agent, capacity=event.capacity)
        elif isinstance(event, AgentAggregate.ShiftChanged) and agent:
            self.agents[name] = replace(agent, on_shift=event.on_shift)
        elif isinstance(event, GroupAggregate.MemberAdded):
            self.groups.setdefault(name, set()).add(event.agent_id)
        elif isinstance(event, GroupAggregate.MemberRemoved):
            self.groups.setdefault(name, set()).discard(event.agent_id)
        self._directory = None

    # -- rule sets ---------------------------------------------------------------

    def _activated(self, log: LogEvent) -> None:
        event = log.event
        if log.originator_id != _RULES_TRACK:
            return
        try:
            rule_set = parse_rule_documents(event.documents, self.directory())
            problem = None
        except PolicyError as exc:
            # Validated when activated; only a directory change racing the
            # activation can get here. The previous version stays in force.
            rule_set, problem = None, exc.message
            logger.error("rule set %s at %s unusable: %s", event.version, log, problem)
        self.timeline.add(
            Activation(
                event.version,
                event.effective_from,
                log.position,
                event.sha256,
                rule_set,
                problem,
            )
        )

    # -- tickets -------------------------------------------------------------------

    def _ticket(self, log: LogEvent) -> None:
        event = log.event
        ticket_id = log.originator_id
        if isinstance(event, Ticket.Opened):
            at, recorded = event.timestamp, log.recorded_at
            track = TicketTrack(1, True, None, at, recorded, at, recorded, "")
            self.tickets[ticket_id] = track
            self.opened += 1
        else:
            found = self.tickets.get(ticket_id)
            if found is None:
                return  # closed or canceled before: nothing can follow
            track = found
        before = track.load_holder
        _fold(track, log)
        self._round_robin(event)
        after = track.load_holder
        if before != after:
            if before is not None:
                self.load[before] -= 1
            if after is not None:
                self.load[after] += 1
        if isinstance(event, _CLOSING):
            del self.tickets[ticket_id]

    def _round_robin(self, event: object) -> None:
        """A rule's round-robin pick moves that group's cursor to the agent."""
        if not isinstance(event, Ticket.Assigned) or event.meta.actor.kind != "rule":
            return
        group = round_robin_group(self.timeline, event)
        if group is not None:
            self.cursors[group] = event.agent_id


def round_robin_group(timeline: Timeline, event: Ticket.Assigned) -> str | None:
    """The group whose cursor a rule-made assignment moves (round robin only)."""
    meta = event.meta
    rule_set = timeline.rule_set(meta.rule_set_version or "")
    rule = rule_set.rule(meta.rule_id or "") if rule_set else None
    for action in rule.actions if rule else ():
        if isinstance(action, AssignAction) and action.strategy == "round_robin":
            return action.group
    return None


def _fold(track: TicketTrack, log: LogEvent) -> None:
    """The parts of ``Ticket``'s own ``apply`` methods that load depends on."""
    event = log.event
    track.version = log.version
    track.last_at, track.last_recorded_at = event.timestamp, log.recorded_at
    track.correlation_id = event.meta.correlation_id
    if isinstance(event, Ticket.Assigned):
        track.assignee = event.agent_id
    elif isinstance(event, Ticket.Unassigned):
        track.assignee = None
    elif isinstance(event, Ticket.Reopened):
        track.is_open = True
    elif isinstance(event, Ticket.Resolved | Ticket.Closed | Ticket.Canceled):
        track.is_open = False
