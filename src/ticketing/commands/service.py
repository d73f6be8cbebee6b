"""The command service: one transaction per command, idempotent and concurrency-safe.

For every command: look up its id (a retry returns the first result), load the
ticket, check the expected version, let the aggregate decide, append its events
with the command record and, for an open, the ticket number, then commit. A
rejected command writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from ticketing.aggregates.drafts import PriorityChange, TicketDraft
from ticketing.aggregates.envelope import Envelope, EventContext
from ticketing.aggregates.ticket import Ticket
from ticketing.commands import admin_messages as a
from ticketing.commands import messages as m
from ticketing.commands.admin_handlers import (
    PolicyValidators,
    decide_directory,
    decide_policy,
    reference_of,
)
from ticketing.commands.group import GroupCommit
from ticketing.commands.live import LiveTickets
from ticketing.errors import (
    ConcurrencyConflictError,
    ConflictError,
    InvalidCommandError,
    TicketNotFoundError,
)
from ticketing.ids import ticket_id_for_key
from ticketing.store import indexes

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.engine import Connection

    from ticketing.aggregates.envelope import Actor
    from ticketing.aggregates.vocabulary import AuthorKind
    from ticketing.clock import Clock
    from ticketing.commands.application import TicketingApplication
    from ticketing.policies.priority import PriorityMatrix


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who issues a command and why; ``occurred_at`` is honoured for imports only."""

    actor: Actor
    correlation_id: str | None = None
    causation_id: str | None = None
    rule_id: str | None = None
    rule_set_version: str | None = None
    depth: int = 0
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The outcome of an accepted command (or of its first run, for a retry)."""

    command_id: str
    #: The aggregate changed (a ticket, agent, group or policy track).
    aggregate_id: UUID
    #: Its human reference: ticket number, agent id, group id or policy kind.
    reference: str
    version: int
    position: int
    events: int
    replayed: bool = False

    @property
    def ticket_id(self) -> UUID:
        return self.aggregate_id

    @property
    def number(self) -> str:
        return self.reference

    @classmethod
    def from_record(
        cls, record: indexes.CommandRecord, *, replayed: bool
    ) -> CommandResult:
        return cls(
            command_id=record.command_id,
            aggregate_id=record.aggregate_id,
            reference=record.reference,
            version=record.version,
            position=record.last_position,
            events=record.event_count,
            replayed=replayed,
        )


AggregateT = TypeVar("AggregateT", bound=Aggregate)


def fingerprint(command: m.Command, actor: Actor) -> str:
    """Identity of a command for idempotency: name, payload and issuing actor."""
    canonical = json.dumps(
        {"command": command.name, "args": command.payload(), "actor": actor.id},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class TicketService:
    """Handles every ticket command; the only writer of ticket events."""

    def __init__(
        self, app: TicketingApplication, clock: Clock, matrix: PriorityMatrix
    ) -> None:
        self.app = app
        self.clock = clock
        self.matrix = matrix
        #: Validators of policy documents by kind (registered by the runtime).
        self.policy_validators: PolicyValidators = {}
        #: Called after each commit that appended events (e.g. to wake runners).
        self.on_committed: list[Callable[[CommandResult], None]] = []
        #: Tickets as this service last committed them (``commands/live.py``).
        self.live = LiveTickets()
        #: Concurrent commands share a transaction (``commands/group.py``).
        self.group = GroupCommit(
            lambda: app.log_recorder.transaction(commit=True),
            enabled=app.log_recorder.dialect == "sqlite",
        )

    # -- commands --------------------------------------------------------------

    def execute(self, command: m.Command, ctx: CommandContext) -> CommandResult:
        """Apply ``command``; a retry of an applied command returns its first result."""
        print_ = fingerprint(command, ctx.actor)
        envelope = self._envelope(command, ctx, print_)

        def attempt(conn: Connection) -> tuple[CommandResult, Aggregate | None]:
            prior = indexes.find_command(conn, command.command_id)
            if prior is not None:
                prior.check_same(print_)
                return CommandResult.from_record(prior, replayed=True), None
            aggregate = self._decide(conn, command, envelope, ctx.occurred_at)
            return self._append(aggregate, command, print_), aggregate

        try:
            result, aggregate = self.group.run(attempt)
        except IntegrityError as exc:
            return self._after_lost_race(command, print_, exc)
        if aggregate is None:
            return result  # a retry: nothing was appended
        if isinstance(aggregate, Ticket):  # committed: the next command starts here
            self.live.put(aggregate)
        for listener in self.on_committed:
            listener(result)
        return result

    def _append(
        self, aggregate: Aggregate, command: m.Command, print_: str
    ) -> CommandResult:
        pending = len(aggregate.pending_events)
        record_holder: list[indexes.CommandRecord] = []

        def after_insert(conn: Connection, positions: list[int]) -> None:
            record = indexes.CommandRecord(
                command_id=command.command_id,
                command_name=command.name,
                fingerprint=print_,
                aggregate_id=aggregate.id,
                reference=reference_of(aggregate),
                version=aggregate.version,
                first_position=positions[0],
                last_position=positions[-1],
                event_count=pending,
            )
            indexes.record_command(conn, record)
            record_holder.append(record)

        self.app.save_aggregate(aggregate, after_insert=after_insert)
        return CommandResult.from_record(record_holder[0], replayed=False)

    def _after_lost_race(
        self, command: m.Command, print_: str, exc: IntegrityError
    ) -> CommandResult:
        """A concurrent writer won: the same command -> its result, else a conflict."""
        with self.app.log_recorder.transaction(commit=False) as session:
            prior = indexes.find_command(session.connection(), command.command_id)
        if prior is not None:
            return CommandResult.from_record(prior.check_same(print_), replayed=True)
        raise ConcurrencyConflictError(
            "another command changed the ticket at the same time; reload and retry",
            {"command": command.name},
        ) from exc

    def _envelope(
        self, command: m.Command, ctx: CommandContext, print_: str
    ) -> Envelope:
        if ctx.occurred_at is not None:
            if ctx.actor.kind != "import":
                raise InvalidCommandError.for_fields(
                    {"occurred_at": "only imports may give the time of a command"}
                )
            if ctx.occurred_at.tzinfo is None:
                raise InvalidCommandError.for_fields(
                    {"occurred_at": "must include a time zone"}
                )
        return Envelope(
            actor=ctx.actor,
            command_id=command.command_id,
            correlation_id=ctx.correlation_id or command.command_id,
            causation_id=ctx.causation_id,
            rule_id=ctx.rule_id,
            rule_set_version=ctx.rule_set_version,
            depth=ctx.depth,
            command_name=command.name,
            command_fingerprint=print_,
        )

    def _decide(
        self,
        conn: Connection,
        command: m.Command,
        envelope: Envelope,
        occurred_at: datetime | None,
    ) -> Aggregate:
        if not isinstance(command, m.TicketCommand):
            ectx = EventContext(envelope, occurred_at or self.clock.now())
            if isinstance(command, m.OpenTicket):
                return self._open(conn, command, ectx)
            if isinstance(command, a.AgentCommand | a.GroupCommand):
                return self._checked(command, decide_directory(self.app, command, ectx))
            if isinstance(command, a.ActivatePolicy):
                policy = decide_policy(self.app, command, ectx, self.policy_validators)
                return self._checked(command, policy)
            raise InvalidCommandError.for_fields(  # pragma: no cover - closed set
                {"command": "unknown command"}
            )
        ticket = self._checked(command, self._current(conn, command.ticket_id))
        at = occurred_at or self._live_time(ticket)
        self._apply(ticket, command, EventContext(envelope, at))
        return ticket

    def _current(self, conn: Connection, ticket_id: UUID) -> Ticket:
        """The ticket as the log has it now, in the command's transaction: the
        kept copy when its version is the log's, else folded from the log."""
        kept = self.live.take(ticket_id)
        recorder = self.app.log_recorder
        if kept is not None and recorder.aggregate_version(conn, ticket_id) == (
            kept.version
        ):
            return kept
        return self.load(ticket_id)

    def _live_time(self, ticket: Ticket) -> datetime:
        """The time of a live command, read only after its ticket was loaded.

        Read earlier, a writer that committed in between could leave a later
        event behind and the command would fail as out of order. It is also
        never earlier than the ticket's last event, so hosts whose clocks differ
        slightly cannot cause that either (docs/event-log.md).
        """
        return max(self.clock.now(), ticket.modified_on)

    @staticmethod
    def _checked(command: m.Command, aggregate: AggregateT) -> AggregateT:
        """Refuse a stale ``expected_version`` (checked against the stored state)."""
        expected = command.expected_version
        current = aggregate.version - len(aggregate.pending_events)
        if expected is not None and expected != current:
            ref = reference_of(aggregate)
            # tickets are named "ticket" in every error's details; others "reference"
            key = "ticket" if isinstance(aggregate, Ticket) else "reference"
            raise ConcurrencyConflictError(
                f"{ref} is at version {current}, not {expected}",
                {key: ref, "expected": expected, "actual": current},
            )
        return aggregate

    def _open(self, conn: Connection, cmd: m.OpenTicket, ectx: EventContext) -> Ticket:
        chosen = cmd.number is not None or cmd.ticket_id is not None
        if chosen and ectx.envelope.actor.kind != "import":
            raise InvalidCommandError.for_fields(
                {"number": "only imports may choose a ticket's id or number"}
            )
        ticket_id = cmd.ticket_id or ticket_id_for_key(cmd.command_id)
        existing = indexes.find_number(conn, ticket_id)
        if existing is not None:
            raise ConflictError(
                f"ticket {ticket_id} already exists as {existing}",
                {"ticket_id": str(ticket_id), "number": existing},
            )
        if cmd.number is not None:
            indexes.claim_number(conn, cmd.type, cmd.number)
            number = cmd.number
        else:
            number = indexes.allocate_number(conn, cmd.type)
        indexes.register_number(conn, number, ticket_id)
        draft = TicketDraft(
            number=number,
            type=cmd.type,
            title=cmd.title,
            description=cmd.description,
            impact=cmd.impact,
            urgency=cmd.urgency,
            matrix=self.matrix,
            requester_id=cmd.requester_id,
            channel=cmd.channel,
            category=cmd.category,
            subcategory=cmd.subcategory,
            service=cmd.service,
            configuration_item=cmd.configuration_item,
            requester_org=cmd.requester_org,
            requester_site=cmd.requester_site,
            priority_override=cmd.priority_override,
            priority_override_reason=cmd.priority_override_reason,
            tags=cmd.tags,
        )
        return Ticket.open(ticket_id, ectx, draft)

    def _apply(  # noqa: PLR0912 - one branch per command, flat on purpose
        self, ticket: Ticket, cmd: m.TicketCommand, ectx: EventContext
    ) -> None:
        match cmd:
            case m.AddComment():
                author = self._author_kind(cmd, ectx)
                ticket.comment(ectx, cmd.body, cmd.visibility, author)
            case m.RouteTicket():
                ticket.route(ectx, cmd.queue, cmd.group)
            case m.AssignTicket():
                ticket.assign(ectx, cmd.agent_id, cmd.group)
            case m.UnassignTicket():
                ticket.unassign(ectx, cmd.reason)
            case m.ChangePriority():
                change = PriorityChange(
                    matrix=self.matrix,
                    impact=cmd.impact,
                    urgency=cmd.urgency,
                    override=cmd.priority_override,
                    reason=cmd.reason,
                )
                ticket.change_priority(ectx, change)
            case m.PutOnHold():
                ticket.put_on_hold(ectx, cmd.reason, cmd.note)
            case m.ResumeTicket():
                ticket.resume(ectx, cmd.note)
            case m.EscalateTicket():
                ticket.escalate(ectx, cmd.level, cmd.reason)
            case m.ResolveTicket():
                ticket.resolve(ectx, cmd.resolution_code, cmd.notes)
            case m.ReopenTicket():
                ticket.reopen(ectx, cmd.reason)
            case m.CloseTicket():
                ticket.close(ectx, cmd.note)
            case m.CancelTicket():
                ticket.cancel(ectx, cmd.reason)
            case m.UnlinkTickets():
                ticket.unlink(ectx, cmd.kind, str(cmd.target_id))
            case m.LinkTickets():
                self._check_link_target(cmd)
                ticket.link(ectx, cmd.kind, str(cmd.target_id))
            case m.UntagTicket():
                ticket.untag(ectx, cmd.tag)
            case m.TagTicket():
                ticket.tag(ectx, cmd.tag)
            case m.RecordAutomationHalt():
                if ectx.envelope.actor.kind not in ("rule", "system"):
                    raise InvalidCommandError.for_fields(
                        {"command": "only automation records its own halts"}
                    )
                ticket.record_automation_halt(ectx, cmd.rule_id, cmd.action, cmd.reason)
            case _:  # pragma: no cover - every command class is listed above
                raise InvalidCommandError.for_fields({"command": cmd.name})

    def _check_link_target(self, cmd: m.LinkTickets) -> None:
        if cmd.target_id == cmd.ticket_id:
            raise InvalidCommandError.for_fields(
                {"target_id": "a ticket cannot be linked to itself"}
            )
        self.load(cmd.target_id)

    @staticmethod
    def _author_kind(cmd: m.AddComment, ectx: EventContext) -> AuthorKind:
        actor = ectx.envelope.actor
        if cmd.author_kind is not None:
            if actor.kind != "import":
                raise InvalidCommandError.for_fields(
                    {"author_kind": "follows from the actor; only imports may set it"}
                )
            return cmd.author_kind
        if actor.role == "requester":
            if cmd.visibility != "public":
                raise InvalidCommandError.for_fields(
                    {"visibility": "requesters can only add public comments"}
                )
            return "requester"
        return "system" if actor.kind in ("rule", "system") else "agent"

    # -- reads -------------------------------------------------------------------

    def load(self, ticket_id: UUID, version: int | None = None) -> Ticket:
        """The ticket folded from its events (up to ``version`` when given)."""
        try:
            ticket: object = self.app.repository.get(ticket_id, version=version)
        except AggregateNotFoundError:
            raise TicketNotFoundError.for_ref(str(ticket_id)) from None
        if not isinstance(ticket, Ticket):  # pragma: no cover - one aggregate type
            raise TicketNotFoundError.for_ref(str(ticket_id))
        return ticket

    def resolve_ref(self, ref: str, *, check_exists: bool = True) -> UUID:
        """A ticket id from a number (INC0000001) or a UUID string.

        ``check_exists=False`` skips loading the ticket behind a UUID (which
        folds every event): for callers that read the ticket's events next
        anyway and report a missing ticket themselves.
        """
        ref = ref.strip()
        with self.app.log_recorder.transaction(commit=False) as session:
            found = indexes.find_ticket_by_number(session.connection(), ref.upper())
        if found is not None:
            return found
        try:
            ticket_id = UUID(ref)
        except ValueError:
            raise TicketNotFoundError.for_ref(ref) from None
        if check_exists:
            self.load(ticket_id)
        return ticket_id
