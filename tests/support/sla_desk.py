"""A service desk driven through the real command service, on a settable clock.

Store time follows the same clock (``recorder.wall_clock``), so that store
times in tests are as reproducible as domain times. Each step sets the clock
first, then executes the command as an agent (or an importer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ticketing.aggregates.envelope import Actor
from ticketing.clock import SettableClock
from ticketing.commands import messages as m
from ticketing.commands.admin_messages import ActivatePolicy
from ticketing.commands.service import CommandContext
from ticketing.policies.sla_file import DATA_DIR
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings
from ticketing.sla.reading import refresh
from ticketing.sla.validate import load_policy_file

if TYPE_CHECKING:
    from pathlib import Path
    from uuid import UUID

    from ticketing.aggregates.vocabulary import HoldReason, Priority, TicketType
    from ticketing.commands.service import CommandResult
    from ticketing.sla.validate import SlaBundle

AGENT = Actor(id="agent-7", role="agent", kind="human")
ADMIN = Actor(id="admin-1", role="admin", kind="human")
IMPORTER = Actor(id="migration", role="admin", kind="import")
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DEFAULT_POLICY = DATA_DIR / "default-v1.toml"
#: default-v1 with P1 resolution in 2h instead of 4h.
STRICT_P1 = {
    'resolution = { within = "4h", calendar = "24x7-v1" }': (
        'resolution = { within = "2h", calendar = "24x7-v1" }'
    )
}


def utc(text: str) -> datetime:
    """``"2026-03-02 09:00"`` read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def desk_runtime(db_url: str, start: datetime = START) -> tuple[Runtime, SettableClock]:
    clock = SettableClock(start)
    runtime = build_runtime(Settings(db_url=db_url), clock)
    runtime.recorder.wall_clock = clock
    return runtime, clock


@dataclass
class Desk:
    """Tickets opened and worked on at given (UTC) times."""

    runtime: Runtime
    clock: SettableClock
    actor: Actor = AGENT
    #: Imports give each event its own time; others use the clock.
    imported: bool = False
    numbers: dict[UUID, str] = field(default_factory=dict)

    def run(self, at: datetime, command: m.Command) -> CommandResult:
        if at > self.clock.now():
            self.clock.set(at)
        ctx = CommandContext(
            actor=self.actor, occurred_at=at if self.imported else None
        )
        return self.runtime.service.execute(command, ctx)

    def open(
        self,
        at: datetime,
        priority: Priority = "P3",
        ticket_type: TicketType = "incident",
    ) -> UUID:
        result = self.run(
            at,
            m.OpenTicket(
                type=ticket_type,
                title=f"{ticket_type} {priority}",
                impact=2,
                urgency=2,
                requester_id="user-1",
                priority_override=priority,
                priority_override_reason="set by test",
            ),
        )
        self.numbers[result.aggregate_id] = result.reference
        return result.aggregate_id

    def route(self, at: datetime, ticket: UUID, queue: str, group: str) -> None:
        self.run(at, m.RouteTicket(ticket_id=ticket, queue=queue, group=group))

    def reply(self, at: datetime, ticket: UUID) -> None:
        self.run(at, m.AddComment(ticket_id=ticket, body="on it", visibility="public"))

    def note(self, at: datetime, ticket: UUID) -> None:
        self.run(at, m.AddComment(ticket_id=ticket, body="hm", visibility="internal"))

    def hold(
        self, at: datetime, ticket: UUID, reason: HoldReason = "awaiting_caller"
    ) -> None:
        self.run(at, m.PutOnHold(ticket_id=ticket, reason=reason))

    def resume(self, at: datetime, ticket: UUID) -> None:
        self.run(at, m.ResumeTicket(ticket_id=ticket))

    def resolve(self, at: datetime, ticket: UUID) -> None:
        self.run(at, m.ResolveTicket(ticket_id=ticket, resolution_code="fixed"))

    def reopen(self, at: datetime, ticket: UUID) -> None:
        self.run(at, m.ReopenTicket(ticket_id=ticket, reason="still broken"))

    def close(self, at: datetime, ticket: UUID) -> None:
        self.run(at, m.CloseTicket(ticket_id=ticket))

    def cancel(self, at: datetime, ticket: UUID) -> None:
        self.run(at, m.CancelTicket(ticket_id=ticket, reason="duplicate"))

    def prioritise(self, at: datetime, ticket: UUID, priority: Priority) -> None:
        self.run(
            at,
            m.ChangePriority(
                ticket_id=ticket, priority_override=priority, reason="re-triaged"
            ),
        )

    def activate(
        self, at: datetime, bundle: SlaBundle, effective_from: datetime | None = None
    ) -> None:
        self.clock.set(at)
        command = ActivatePolicy(
            kind="sla", documents=dict(bundle.documents), effective_from=effective_from
        )
        self.runtime.service.execute(command, CommandContext(actor=ADMIN))

    def project(self) -> int:
        """Catch the live SLA projection up; returns its checkpoint."""
        return refresh(self.runtime.projections).position


def candidate_file(
    directory: Path, version: str, replacements: dict[str, str] | None = None
) -> Path:
    """default-v1 renamed to ``version``, with text replacements, as a file."""
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        'version = "default-v1"', f'version = "{version}"'
    )
    for old, new in (replacements or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = directory / f"{version}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def candidate(
    directory: Path, version: str, replacements: dict[str, str] | None = None
) -> SlaBundle:
    return load_policy_file(candidate_file(directory, version, replacements))
