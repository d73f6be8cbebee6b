"""A runtime with the rules engine installed, a directory, and an active rule set.

For integration tests and the rules benchmark: the demo directory's agents and
groups are registered through the admin commands (so they are in the log),
then a rule set is activated as an operator would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.rules_fixtures import demo_directory
from tests.support.runtime import ADMIN_CTX, AGENT_CTX, START
from ticketing.clock import SettableClock
from ticketing.commands import admin_messages as a
from ticketing.commands import messages as m
from ticketing.rules.loader import DATA_DIR
from ticketing.rules.wiring import RulesRunner, install_rules
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    import threading
    from datetime import datetime
    from uuid import UUID

    from ticketing.aggregates.ticket import Ticket
    from ticketing.commands.service import CommandContext, CommandResult
    from ticketing.rules import Directory

DEFAULT_RULES = DATA_DIR / "default-v1.toml"


def rules_runtime(
    db_url: str, start: datetime = START
) -> tuple[Runtime, SettableClock]:
    """A runtime whose clock (and store clock) is settable, with rules installed."""
    clock = SettableClock(start)
    runtime = build_runtime(Settings(db_url=db_url), clock)
    runtime.recorder.wall_clock = clock  # recorded_at follows the test clock
    install_rules(runtime)
    return runtime, clock


def seed_directory(runtime: Runtime, directory: Directory | None = None) -> None:
    """Register every agent and group of ``directory`` (default: the demo one)."""
    directory = directory or demo_directory()
    service = runtime.service
    for agent in directory.agents.values():
        service.execute(
            a.RegisterAgent(
                agent_id=agent.id,
                display_name=agent.id.title(),
                skills=tuple(sorted(agent.skills)),
                capacity=10_000 if agent.capacity is None else agent.capacity,
                on_shift=agent.on_shift,
            ),
            ADMIN_CTX,
        )
    for group in directory.groups.values():
        service.execute(
            a.CreateGroup(group_id=group.id, display_name=group.id), ADMIN_CTX
        )
        for member in sorted(group.members):
            service.execute(
                a.AddGroupMember(group_id=group.id, agent_id=member), ADMIN_CTX
            )


def activate(
    runtime: Runtime, text: str, name: str = "rules.toml", at: datetime | None = None
) -> CommandResult:
    cmd = a.ActivatePolicy(kind="rules", documents={name: text}, effective_from=at)
    return runtime.service.execute(cmd, ADMIN_CTX)


def activate_default(runtime: Runtime) -> CommandResult:
    return activate(runtime, DEFAULT_RULES.read_text("utf-8"), "default-v1.toml")


def open_ticket(
    runtime: Runtime, ctx: CommandContext = AGENT_CTX, **fields: object
) -> UUID:
    values: dict[str, object] = {
        "type": "incident",
        "title": "Something is broken",
        "impact": 2,
        "urgency": 2,
        "requester_id": "u-1",
        **fields,
    }
    return runtime.service.execute(m.OpenTicket(**values), ctx).aggregate_id  # type: ignore[arg-type]


def ticket(runtime: Runtime, ticket_id: UUID) -> Ticket:
    return runtime.service.load(ticket_id)


#: A mixed intake: (fields of the open command) — network, access, VIP, desk...
INTAKE: tuple[dict[str, Any], ...] = (
    {"title": "VPN drops every hour", "category": "network"},
    {"title": "Password reset for SAP"},
    {"title": "Outlook crashes", "service": "email"},
    {"title": "New laptop", "type": "service_request", "category": "laptop"},
    {"title": "Board deck printer jam", "requester_org": "executive-office"},
    {"title": "Payroll database slow", "category": "database", "impact": 1},
    {"title": "Phishing mail received"},
    {"title": "Unlock my account please"},
    {"title": "Wifi weak in building B"},
    {"title": "Monitor flickers"},
    {"title": "Core switch down", "impact": 1, "urgency": 1},
    {"title": "Change firewall rule", "type": "change"},
)


def build_history(
    runtime: Runtime, clock: SettableClock, stop: threading.Event, rounds: int = 2
) -> list[UUID]:
    """Tickets opened, automated by the processor, then worked by people."""
    from datetime import timedelta  # noqa: PLC0415 - test helper

    rules = RulesRunner(runtime, stop)
    rules.run_once(warm=False)
    opened: list[UUID] = []
    for round_ in range(rounds):
        for fields in INTAKE:
            clock.advance(timedelta(minutes=7))
            opened.append(open_ticket(runtime, **fields))
            if len(opened) % 3 == 0:  # the processor keeps up, mostly
                rules.run_once(warm=True)
        rules.run_once(warm=True)
        for i, ticket_id in enumerate(opened[round_ * len(INTAKE) :]):
            clock.advance(timedelta(minutes=3))
            if i % 4 == 0:
                runtime.service.execute(
                    m.ResolveTicket(ticket_id=ticket_id, resolution_code="fixed"),
                    AGENT_CTX,
                )
            elif i % 4 == 1:
                runtime.service.execute(
                    m.AddComment(ticket_id=ticket_id, body="looking into it"),
                    AGENT_CTX,
                )
        rules.run_once(warm=True)
    for _ in range(3):
        rules.run_once(warm=True)
    return opened
