"""What the rules processor knows when it reaches an event, rebuilt from the log.

The processor executes its reactions to the event at position p before it
looks at the next one, so when it decides on p, the changes it made for
earlier events are already recorded, at positions *after* p. The view at p is
therefore every event up to p, plus the events the rules processor recorded
in reaction to an event before p (at positions after p). Both parts are in the
log, so the view, hence every decision, is the same live, after a restart
and in preview. Without the second part, tickets opened in a burst would all
see the same load and round-robin cursor and go to the same agent.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol
from uuid import UUID

from eventsourcing.utils import get_topic

from ticketing.aggregates.ticket import Ticket
from ticketing.automation.processor import reaction_command_id
from ticketing.rules.state import RulesState, round_robin_group
from ticketing.rules.tickets import TicketCache

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ticketing.projections.base import LogEvent
    from ticketing.projections.catchup import LogSource

#: The ticket events a rule's action records, and the action's name.
ACTION_OF_EVENT: Final[dict[type, str]] = {
    Ticket.Routed: "route",
    Ticket.PriorityChanged: "set_priority",
    Ticket.Assigned: "assign",
    Ticket.Tagged: "tag",
    Ticket.Escalated: "escalate",
}
AUTOMATED_TOPICS: Final = tuple(sorted(get_topic(c) for c in ACTION_OF_EVENT))


def automated_trigger(log: LogEvent, key: str) -> tuple[UUID, int] | None:
    """(ticket, version) of the event that made processor ``key`` record ``log``."""
    event = log.event
    action = ACTION_OF_EVENT.get(type(event))
    meta = getattr(event, "meta", None)
    if action is None or meta is None or meta.actor.kind != "rule":
        return None
    cause, rule_id = meta.causation_id, meta.rule_id
    if not cause or not rule_id:
        return None
    if reaction_command_id(key, cause, rule_id, action) != meta.command_id:
        return None  # a timer's or another processor's change
    ticket, _, version = cause.rpartition(":")
    return UUID(ticket), int(version)


class LogReader(Protocol):
    """Decoded events after a position, in position order."""

    def read(
        self, after: int, limit: int, topics: Sequence[str] = ()
    ) -> Sequence[LogEvent]: ...

    def head(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SourceReader:
    """A ``LogReader`` over the event store (read-only)."""

    source: LogSource

    def read(
        self, after: int, limit: int, topics: Sequence[str] = ()
    ) -> Sequence[LogEvent]:
        records = self.source.recorder.select_records(
            after, limit, topics=topics, inclusive_of_start=False
        )
        return self.source.decode(records)

    def head(self) -> int:
        return self.source.head()


class RulesView:
    """``RulesState`` folded to a position, plus the processor's later changes."""

    def __init__(
        self,
        reader: LogReader,
        key: str,
        page: int = 500,
        *,
        keep_effects: bool = False,
        tickets: TicketCache | None = None,
    ) -> None:
        self.reader, self.key, self.page = reader, key, page
        self.state = RulesState()
        #: Tickets as of ``position`` (the recently active ones).
        self.tickets = TicketCache() if tickets is None else tickets
        self._later: tuple[int, list[LogEvent]] | None = None
        #: (ticket, version) of a trigger -> the changes the processor recorded
        #: for it (kept for preview's "what actually happened").
        self.effects: dict[tuple[UUID, int], list[LogEvent]] | None = (
            {} if keep_effects else None
        )
        self._buffer: deque[LogEvent] = deque()
        self._read_to = 0
        self._ahead = 0
        self._waiting: dict[tuple[UUID, int], list[LogEvent]] = {}
        #: position -> (event, position of its trigger)
        self._active: dict[int, tuple[LogEvent, int]] = {}

    @property
    def position(self) -> int:
        return self.state.position

    def advance(self, to: int) -> list[LogEvent]:
        """Fold every event up to ``to``; returns them in order."""
        folded: list[LogEvent] = []
        while self.state.position < to:
            upcoming = self._peek()
            if upcoming is None or upcoming.position > to:
                break
            folded.append(self._fold(self._buffer.popleft()))
        return folded

    def step(self) -> LogEvent | None:
        """Fold the next event and return it (None at the end of the log)."""
        return None if self._peek() is None else self._fold(self._buffer.popleft())

    def _peek(self) -> LogEvent | None:
        if not self._buffer:
            self._buffer.extend(self.reader.read(self._read_to, self.page))
            if not self._buffer:
                return None
            self._read_to = self._buffer[-1].position
        return self._buffer[0]

    def _fold(self, log: LogEvent) -> LogEvent:
        self._later = None
        self.state.apply(log)
        self.tickets.fold(log)
        self._active.pop(log.position, None)
        for waiting in self._waiting.pop((log.originator_id, log.version), []):
            self._active[waiting.position] = (waiting, log.position)
        return log

    def discover(self, upto: int | None = None) -> None:
        """Look ahead (to ``upto``, default the head) for the processor's changes."""
        limit = self.reader.head() if upto is None else upto
        for log in self._buffer:
            self._consider(log)
        while self._ahead < limit:
            start = max(self._ahead, self._read_to, self.state.position)
            found = self.reader.read(start, self.page, AUTOMATED_TOPICS)
            found = [log for log in found if log.position <= limit]
            for log in found:
                self._consider(log)
            self._ahead = found[-1].position if found else limit

    def _consider(self, log: LogEvent) -> None:
        if log.position <= max(self._ahead, self.state.position):
            return
        self._ahead = max(self._ahead, log.position)
        trigger = automated_trigger(log, self.key)
        if trigger is None:
            return
        self._later = None
        if self.effects is not None:
            self.effects.setdefault(trigger, []).append(log)
        track = self.state.tickets.get(trigger[0])
        if track is not None and track.version >= trigger[1]:
            self._active[log.position] = (log, 0)  # its trigger is behind us
        else:
            self._waiting.setdefault(trigger, []).append(log)

    # -- the view at a position -----------------------------------------------------

    def later_changes(self, at: int) -> list[LogEvent]:
        """The processor's changes recorded after ``at`` for events before it."""
        if self._later is not None and self._later[0] == at:
            return self._later[1]
        found = [
            (log.position, log)
            for log, trigger_at in self._active.values()
            if trigger_at < at < log.position
        ]
        later = [log for _, log in sorted(found, key=lambda pair: pair[0])]
        self._later = (at, later)
        return later

    def changes_for(self, ticket_id: UUID, at: int) -> list[LogEvent]:
        return [c for c in self.later_changes(at) if c.originator_id == ticket_id]

    def load(self, at: int) -> Counter[str]:
        """Open assigned tickets per agent, as the view at ``at`` has them."""
        load = Counter(self.state.load)
        last: dict[UUID, str] = {}
        for change in self.later_changes(at):
            if isinstance(change.event, Ticket.Assigned):
                last[change.originator_id] = change.event.agent_id
        for ticket_id, agent in last.items():
            track = self.state.tickets.get(ticket_id)
            if track is None or not track.is_open:
                continue
            if track.assignee is not None:
                load[track.assignee] -= 1
            load[agent] += 1
        return load

    def cursors(self, at: int) -> dict[str, str]:
        """Round-robin cursors (group -> last agent picked) in the view at ``at``."""
        cursors = dict(self.state.cursors)
        for change in self.later_changes(at):
            event = change.event
            if isinstance(event, Ticket.Assigned):
                group = round_robin_group(self.state.timeline, event)
                if group is not None:
                    cursors[group] = event.agent_id
        return cursors
