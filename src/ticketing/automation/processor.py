"""Event-driven automation: follow the log and turn events into attributed commands.

A *reactor* decides, for one event, which commands automation should issue
(e.g. the rules engine routing a new ticket). The processor runs reactors live
only — it starts at the head of the log the first time it runs (history is
never re-triggered), ignores events recorded by imports, and is never part of
a rebuild, an import or a what-if/preview.

Effectively once: every automated command gets a deterministic command id
(processor, triggering event, rule, action), so re-processing a batch after a
crash is a no-op through the service's idempotency; the checkpoint then moves
by compare-and-set like a projection's (it lives in the same registry).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, Protocol

from ticketing.aggregates.envelope import Actor
from ticketing.aggregates.ticket import Ticket
from ticketing.automation.limits import MAX_CHAIN_DEPTH
from ticketing.commands.messages import RecordAutomationHalt
from ticketing.commands.service import CommandContext
from ticketing.errors import DomainError, NotFoundError
from ticketing.ids import NAMESPACE
from ticketing.projections import registry
from ticketing.store.datastore import (
    read_transaction,
    view_write_transaction,
    write_transaction,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from ticketing.commands.messages import Command
    from ticketing.commands.service import TicketService
    from ticketing.projections.base import LogEvent
    from ticketing.projections.catchup import LogSource

logger = logging.getLogger(__name__)

AUTOMATION_ACTOR: Final = Actor(id="automation", role="automation", kind="system")

__all__ = ["MAX_CHAIN_DEPTH", "AutomationProcessor", "Reaction", "Reactor"]


def event_id(log: LogEvent) -> str:
    """Stable id of a stored event, used as causation id: ``<aggregate>:<version>``."""
    return f"{log.originator_id}:{log.version}"


def reaction_command_id(key: str, trigger_id: str, rule_id: str, action: str) -> str:
    """The command id of a reaction: the same trigger and rule always give it."""
    return str(uuid.uuid5(NAMESPACE, f"{key}:{trigger_id}:{rule_id}:{action}"))


@dataclass(frozen=True, slots=True)
class Reaction:
    """One automated command and the rule that decided it."""

    command: Command
    rule_id: str
    rule_set_version: str
    action: str
    #: The deciding rule set's own chain bound, when tighter than the processor's.
    max_depth: int | None = None


class Reactor(Protocol):
    """Decides automated commands for one event (pure: no I/O, no clock)."""

    name: str

    def react(self, log: LogEvent) -> Sequence[Reaction]: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one reaction (for logs, status and tests)."""

    position: int
    rule_id: str
    action: str
    status: str  # applied | replayed | refused | halted
    detail: str = ""


@dataclass
class AutomationProcessor:
    """Follows the log for ``reactor``; executes its reactions through ``service``."""

    source: LogSource
    service: TicketService
    reactor: Reactor
    max_depth: int = MAX_CHAIN_DEPTH
    batch_size: int = 200
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"automation:{self.reactor.name}"

    def generation(self, now: datetime) -> registry.Generation:
        """The processor's checkpoint row; created at the current head (no history).

        Read first: only the first pass takes the write lock to create it.
        """
        with read_transaction(self.source.engine) as conn:
            found = registry.get_active(conn, self.key)
        if found is not None:
            return found
        with write_transaction(self.source.engine) as conn:
            gen = registry.get_active(conn, self.key)
            if gen is None:
                gen = registry.create_generation(conn, self.key, 1, "active", now)
                head = self.source.head()
                registry.advance(conn, gen, 0, head, 0)
                gen = replace(gen, position=head)
            return gen

    def run_once(self, now: datetime) -> int:
        """Process everything after the checkpoint; returns events examined."""
        gen = self.generation(now)
        position, head, examined = gen.position, self.source.head(), 0
        while position < head:
            records = self.source.recorder.select_records(
                position, self.batch_size, stop=head, inclusive_of_start=False
            )
            new_position = records[-1].id if records else head
            for log in self.source.decode(records):
                self._react(log)
            # The checkpoint alone: committed without waiting for the disk.
            # A crash can only lose the last moves, and re-processing those
            # events is a no-op (deterministic command ids, outbox ids).
            with view_write_transaction(self.source.engine) as conn:
                if not registry.advance(
                    conn, gen, position, new_position, len(records)
                ):
                    logger.info("%s: checkpoint moved by another runner", self.key)
                    return examined
            gen = replace(gen, position=new_position)
            position = new_position
            examined += len(records)
        return examined

    def _react(self, log: LogEvent) -> None:
        meta = log.event.meta
        if meta.actor.kind == "import" or isinstance(
            log.event, Ticket.AutomationHalted
        ):
            return
        reactions = self.reactor.react(log)
        limit = self.depth_limit(reactions)
        if reactions and meta.depth >= limit:
            for r in reactions:
                self._halted(log, r, limit)
            return
        for reaction in reactions:
            self._execute(log, reaction)

    def depth_limit(self, reactions: Sequence[Reaction]) -> int:
        """The processor's bound, or a deciding rule set's tighter one."""
        tighter = [r.max_depth for r in reactions if r.max_depth is not None]
        return min([self.max_depth, *tighter])

    def _context(self, log: LogEvent, reaction: Reaction) -> CommandContext:
        meta = log.event.meta
        actor = Actor(id=f"rule:{reaction.rule_id}", role="automation", kind="rule")
        return CommandContext(
            actor=actor,
            correlation_id=meta.correlation_id,
            causation_id=event_id(log),
            rule_id=reaction.rule_id,
            rule_set_version=reaction.rule_set_version,
            depth=meta.depth + 1,
        )

    def _execute(self, log: LogEvent, reaction: Reaction) -> None:
        command_id = reaction_command_id(
            self.key, event_id(log), reaction.rule_id, reaction.action
        )
        command = replace(reaction.command, command_id=command_id)
        try:
            result = self.service.execute(command, self._context(log, reaction))
        except (DomainError, NotFoundError) as exc:
            # The ticket moved on (or the rule is moot): nothing to do, say why.
            self._note(log, reaction, "refused", exc.message)
            return
        self._note(log, reaction, "replayed" if result.replayed else "applied")

    def _halted(self, log: LogEvent, reaction: Reaction, limit: int) -> None:
        """Refuse to go deeper, and record that on the ticket (visible to all)."""
        detail = (
            f"automation chain reached depth {log.event.meta.depth} "
            f"(limit {limit}); {reaction.action} by {reaction.rule_id} "
            "not applied"
        )
        logger.error("%s at position %s: %s", self.key, log.position, detail)
        key = f"{self.key}:{event_id(log)}:{reaction.rule_id}:{reaction.action}:halt"
        halt = RecordAutomationHalt(
            command_id=str(uuid.uuid5(NAMESPACE, key)),
            ticket_id=log.originator_id,
            rule_id=reaction.rule_id,
            action=reaction.action,
            reason=detail,
        )
        ctx = replace(self._context(log, reaction), actor=AUTOMATION_ACTOR)
        try:
            self.service.execute(halt, ctx)
        except (DomainError, NotFoundError) as exc:
            detail = f"{detail}; could not record it: {exc.message}"
        self._note(log, reaction, "halted", detail)

    def _note(
        self, log: LogEvent, reaction: Reaction, status: str, detail: str = ""
    ) -> None:
        self.outcomes.append(
            Outcome(log.position, reaction.rule_id, reaction.action, status, detail)
        )
        del self.outcomes[:-1000]  # keep the recent ones only


def processor_position(source: LogSource, key: str) -> int | None:
    with read_transaction(source.engine) as conn:
        gen = registry.get_active(conn, key)
    return None if gen is None else gen.position
