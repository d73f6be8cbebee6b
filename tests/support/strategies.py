"""Hypothesis strategies shared by the property tests.

``command_sequences()`` draws lists of ``Step``: a command by wire name, the
ticket it addresses as an *index* into the tickets opened so far (taken modulo
their number, so every step stays meaningful however the list shrinks), its
arguments, and how far the clock moves first. ``run_steps`` plays them through
the real command service; commands the domain refuses are skipped, as a
helpdesk's rejected clicks would be.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from ticketing.aggregates.envelope import Actor
from ticketing.aggregates.vocabulary import HOLD_REASONS, LINK_KINDS, PRIORITIES
from ticketing.commands.parsing import parse_command
from ticketing.commands.service import CommandContext
from ticketing.errors import DomainError

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.clock import SettableClock
    from ticketing.commands.service import TicketService

QUEUES = ("network", "desk", "apps")
GROUPS = (None, "l1", "l2")
AGENTS = ("alice", "bob", "carol")
TAGS = ("vip", "outage")
ACTORS = (
    Actor(id="alice", role="agent", kind="human"),
    Actor(id="bob", role="agent", kind="human"),
    Actor(id="router", role="rules", kind="rule"),
)


@dataclass(frozen=True, slots=True)
class Step:
    """One command of a sequence; ``ticket``/``target`` index earlier tickets."""

    command: str
    args: dict[str, Any]
    ticket: int | None = None
    target: int | None = None
    minutes: int = 1
    actor: int = 0


def priorities() -> st.SearchStrategy[str]:
    return st.sampled_from(PRIORITIES)


def categories() -> st.SearchStrategy[str | None]:
    return st.sampled_from((None, "network", "hardware", "software", "access"))


def _minutes() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=180)


def _actor() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=len(ACTORS) - 1)


@st.composite
def open_steps(draw: st.DrawFn) -> Step:
    args: dict[str, Any] = {
        "type": draw(st.sampled_from(("incident", "service_request", "problem"))),
        "title": draw(st.sampled_from(("VPN down", "New laptop", "Printer jam"))),
        "impact": draw(st.integers(1, 3)),
        "urgency": draw(st.integers(1, 3)),
        "requester_id": draw(st.sampled_from(("dave", "erin"))),
        "category": draw(categories()),
        "channel": draw(st.sampled_from(("web", "phone"))),
    }
    if draw(st.booleans()):
        args["tags"] = draw(st.lists(st.sampled_from(TAGS), max_size=2))
    return Step("open_ticket", args, minutes=draw(_minutes()), actor=draw(_actor()))


def _ticket_step(
    command: str, args: st.SearchStrategy[dict[str, Any]], with_target: bool = False
) -> st.SearchStrategy[Step]:
    index = st.integers(min_value=0, max_value=50)
    return st.builds(
        Step,
        command=st.just(command),
        args=args,
        ticket=index,
        target=index if with_target else st.none(),
        minutes=_minutes(),
        actor=_actor(),
    )


def _priority_change() -> st.SearchStrategy[dict[str, Any]]:
    level = st.none() | st.integers(1, 3)
    return st.fixed_dictionaries({"impact": level, "urgency": level}).filter(
        lambda d: d["impact"] is not None or d["urgency"] is not None
    )


def ticket_steps() -> st.SearchStrategy[Step]:
    text = st.sampled_from(("because", "customer called", "see notes"))
    return st.one_of(
        _ticket_step(
            "route_ticket",
            st.fixed_dictionaries(
                {"queue": st.sampled_from(QUEUES), "group": st.sampled_from(GROUPS)}
            ),
        ),
        _ticket_step(
            "assign_ticket",
            st.fixed_dictionaries(
                {"agent_id": st.sampled_from(AGENTS), "group": st.sampled_from(GROUPS)}
            ),
        ),
        _ticket_step("unassign_ticket", st.just({})),
        _ticket_step("change_priority", _priority_change()),
        _ticket_step(
            "put_on_hold",
            st.fixed_dictionaries({"reason": st.sampled_from(HOLD_REASONS)}),
        ),
        _ticket_step("resume_ticket", st.just({})),
        _ticket_step(
            "escalate_ticket",
            st.fixed_dictionaries(
                {"reason": text, "level": st.none() | st.integers(1, 4)}
            ),
        ),
        _ticket_step("resolve_ticket", st.just({"resolution_code": "fixed"})),
        _ticket_step("reopen_ticket", st.fixed_dictionaries({"reason": text})),
        _ticket_step("close_ticket", st.just({})),
        _ticket_step("cancel_ticket", st.fixed_dictionaries({"reason": text})),
        _ticket_step("add_comment", st.fixed_dictionaries({"body": text})),
        _ticket_step(
            "tag_ticket", st.fixed_dictionaries({"tag": st.sampled_from(TAGS)})
        ),
        _ticket_step(
            "untag_ticket", st.fixed_dictionaries({"tag": st.sampled_from(TAGS)})
        ),
        _ticket_step(
            "link_tickets",
            st.fixed_dictionaries({"kind": st.sampled_from(LINK_KINDS)}),
            with_target=True,
        ),
        _ticket_step(
            "unlink_tickets",
            st.fixed_dictionaries({"kind": st.sampled_from(LINK_KINDS)}),
            with_target=True,
        ),
    )


@st.composite
def steps(draw: st.DrawFn) -> Step:
    """One step: an open about one time in four, else a command on a ticket."""
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        return draw(open_steps())
    return draw(ticket_steps())


def command_sequences(
    *, min_size: int = 1, max_size: int = 40
) -> st.SearchStrategy[list[Step]]:
    """Lists of steps that start by opening a ticket (so later steps have one)."""
    rest = st.lists(steps(), min_size=max(min_size - 1, 0), max_size=max_size - 1)
    return st.tuples(open_steps(), rest).map(lambda pair: [pair[0], *pair[1]])


@dataclass
class Played:
    """What playing steps did: tickets opened (in order) and commands accepted."""

    opened: list[UUID] = field(default_factory=list)
    accepted: int = 0
    refused: int = 0


def run_steps(
    service: TicketService,
    clock: SettableClock,
    steps: list[Step],
    played: Played | None = None,
    *,
    id_prefix: str | None = None,
) -> Played:
    """Play ``steps`` through ``service``; refused commands are counted, not raised.

    With ``id_prefix`` command ids are deterministic (``prefix-<n>``), and so
    are ticket ids (uuid5 of the open command's id).
    """
    played = played or Played()
    for step in steps:
        clock.advance(timedelta(minutes=step.minutes))
        args = dict(step.args)
        if step.ticket is not None:
            if not played.opened:
                continue
            args["ticket_id"] = str(played.opened[step.ticket % len(played.opened)])
        if step.target is not None:
            target = str(played.opened[step.target % len(played.opened)])
            if target == args["ticket_id"]:
                played.refused += 1  # the service refuses self-links as bad input
                continue
            args["target_id"] = target
        if id_prefix is not None:
            args["command_id"] = f"{id_prefix}-{played.accepted + played.refused}"
        command = parse_command(step.command, args)
        ctx = CommandContext(actor=ACTORS[step.actor])
        try:
            result = service.execute(command, ctx)
        except DomainError:
            played.refused += 1
            continue
        played.accepted += 1
        if step.command == "open_ticket":
            played.opened.append(result.ticket_id)
    return played


def scripted_steps(tickets: int, seed: int = 0) -> list[Step]:
    """A deterministic, busy history: every ticket is opened then worked on.

    About a dozen accepted events per ticket (routing, reassignment, holds,
    comments, a reopen now and then), interleaved across tickets.
    """
    rng = random.Random(seed)  # noqa: S311 - deterministic test data
    out: list[Step] = []
    life = (
        ("route_ticket", lambda: {"queue": rng.choice(QUEUES), "group": "l1"}),
        ("assign_ticket", lambda: {"agent_id": rng.choice(AGENTS), "group": None}),
        ("add_comment", lambda: {"body": "looking into it"}),
        ("put_on_hold", lambda: {"reason": rng.choice(HOLD_REASONS)}),
        ("resume_ticket", dict),
        ("route_ticket", lambda: {"queue": rng.choice(QUEUES), "group": "l2"}),
        ("change_priority", lambda: {"impact": rng.randint(1, 3), "urgency": 1}),
        ("escalate_ticket", lambda: {"reason": "customer impact"}),
        ("resolve_ticket", lambda: {"resolution_code": "fixed"}),
        ("reopen_ticket", lambda: {"reason": "still broken"}),
        ("resolve_ticket", lambda: {"resolution_code": "fixed"}),
        ("close_ticket", dict),
    )
    stage = [0] * tickets
    for i in range(tickets):
        out.append(
            Step(
                "open_ticket",
                {
                    "type": "incident",
                    "title": f"Ticket {i}",
                    "impact": rng.randint(1, 3),
                    "urgency": rng.randint(1, 3),
                    "requester_id": "dave",
                },
                minutes=rng.randint(0, 30),
            )
        )
        for _ in range(rng.randint(5, 12)):
            j = rng.randrange(i + 1)
            if stage[j] < len(life):
                command, args = life[stage[j]]
                stage[j] += 1
                out.append(Step(command, args(), ticket=j, minutes=rng.randint(0, 20)))
    return out
