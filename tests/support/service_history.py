"""Write ticket histories through the command service, for store-level tests."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ticketing.aggregates.envelope import Actor
from ticketing.clock import SettableClock
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext, CommandResult
from ticketing.errors import (
    ConflictError,
    DomainError,
    InvalidCommandError,
    NotFoundError,
)
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings
from ticketing.store import indexes

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Actor(id="alice", role="agent", kind="human")
RULE = Actor(id="router", role="system", kind="rule")


@contextmanager
def runtime_for(url: str, start: datetime = T0) -> Iterator[Runtime]:
    runtime = build_runtime(Settings(db_url=url), clock=SettableClock(start))
    try:
        yield runtime
    finally:
        runtime.close()


@dataclass
class Writer:
    """Runs commands one (simulated) minute apart; remembers opened tickets."""

    runtime: Runtime
    actor: Actor = AGENT

    def __post_init__(self) -> None:
        self.tickets: list[UUID] = []

    def run(self, command: m.Command, actor: Actor | None = None) -> CommandResult:
        clock = self.runtime.clock
        assert isinstance(clock, SettableClock)
        clock.advance(timedelta(minutes=1))
        ctx = CommandContext(actor=actor or self.actor, rule_id=None)
        result = self.runtime.service.execute(command, ctx)
        if isinstance(command, m.OpenTicket):
            self.tickets.append(result.ticket_id)
        return result

    def try_run(self, command: m.Command) -> CommandResult | None:
        """Run; None when the command is refused (invalid, or by the domain)."""
        try:
            return self.run(command)
        except (DomainError, InvalidCommandError, NotFoundError, ConflictError):
            return None

    def open(self, title: str = "Printer on fire", **kw: Any) -> UUID:
        values: dict[str, Any] = {
            "type": "incident",
            "title": title,
            "impact": 2,
            "urgency": 2,
            "requester_id": "bob",
        }
        values.update(kw)
        return self.run(m.OpenTicket(**values)).ticket_id


def write_sample_history(runtime: Runtime) -> Writer:
    """Three interleaved tickets, 17 events, a few non-ASCII and control characters."""
    w = Writer(runtime)
    a = w.open("Imprimante en feu \u00e9\u00e8 \U0001f525")
    b = w.open("VPN down", type="problem", impact=1, urgency=1)
    w.run(m.RouteTicket(ticket_id=a, queue="desk"), RULE)
    c = w.open("New laptop", type="service_request", tags=("vip",))
    w.run(m.AssignTicket(ticket_id=a, agent_id="carol"))
    w.run(m.AddComment(ticket_id=b, body='line one\nline "two"\t\\ \x7f end'))
    w.run(m.PutOnHold(ticket_id=a, reason="awaiting_caller"))
    w.run(m.RouteTicket(ticket_id=c, queue="procurement"))
    w.run(m.ResumeTicket(ticket_id=a, note="caller answered"))
    w.run(m.ChangePriority(ticket_id=b, impact=3, urgency=3))
    w.run(m.LinkTickets(ticket_id=a, kind="problem", target_id=b))
    w.run(m.ResolveTicket(ticket_id=a, resolution_code="fixed", notes="toner"))
    w.run(m.TagTicket(ticket_id=c, tag="laptop"))
    w.run(m.CloseTicket(ticket_id=a))
    w.run(m.EscalateTicket(ticket_id=b, reason="outage"))
    w.run(m.CancelTicket(ticket_id=c, reason="duplicate"))
    w.run(m.AddComment(ticket_id=b, body="\u4e2d\u6587 comment"))
    return w


SAMPLE_EVENTS = 17


def index_rows(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the write-side index tables, sorted: for comparisons."""
    tables = {
        "commands": indexes.commands_table,
        "ticket_numbers": indexes.ticket_numbers_table,
        "counters": indexes.counters_table,
    }
    with runtime.engine.connect() as conn:
        return {
            name: sorted(tuple(row) for row in conn.execute(select(table)))
            for name, table in tables.items()
        }
