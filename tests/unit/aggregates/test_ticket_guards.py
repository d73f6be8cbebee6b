"""The lifecycle guard matrix: every command in every state.

Allowed: the command records exactly one event of its kind. Refused: an
``InvalidTransitionError`` naming the ticket, the current state and the
command, and nothing is recorded (no pending event, version unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.support.builders import MATRIX, Step, ctx_for, given, then_events
from tests.support.steps import STATE_HISTORIES, TARGET, linked
from ticketing.aggregates.drafts import PriorityChange
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import STATES
from ticketing.errors import InvalidTransitionError, NoChangeError

if TYPE_CHECKING:
    from ticketing.aggregates.envelope import EventContext
    from ticketing.aggregates.vocabulary import State

Act = Callable[[Ticket, "EventContext"], None]

OPEN: frozenset[State] = frozenset({"new", "in_progress", "on_hold"})
NOT_FINAL: frozenset[State] = OPEN | {"resolved"}


@dataclass(frozen=True, slots=True)
class Case:
    """One command: how to issue it, where it is allowed, what it records."""

    act: Act
    allowed: frozenset[State]
    records: type
    prepare: tuple[Step, ...] = ()
    draft: tuple[tuple[str, object], ...] = ()


# The specification, written out independently of the aggregate's own sets.
CASES: dict[str, Case] = {
    "route": Case(lambda t, c: t.route(c, "network", None), OPEN, Ticket.Routed),
    "assign": Case(lambda t, c: t.assign(c, "zoe", None), OPEN, Ticket.Assigned),
    # The in_progress and on_hold histories assign "alice" first.
    "unassign": Case(lambda t, c: t.unassign(c, None), OPEN, Ticket.Unassigned),
    "change_priority": Case(
        lambda t, c: t.change_priority(c, PriorityChange(matrix=MATRIX, impact=1)),
        OPEN,
        Ticket.PriorityChanged,
    ),
    "comment": Case(
        lambda t, c: t.comment(c, "hello", "public", "agent"),
        NOT_FINAL,
        Ticket.CommentAdded,
    ),
    "put_on_hold": Case(
        lambda t, c: t.put_on_hold(c, "awaiting_vendor", None),
        frozenset({"new", "in_progress"}),
        Ticket.PutOnHold,
    ),
    "resume": Case(
        lambda t, c: t.resume(c, None), frozenset({"on_hold"}), Ticket.Resumed
    ),
    "escalate": Case(
        lambda t, c: t.escalate(c, None, "chased"), OPEN, Ticket.Escalated
    ),
    "resolve": Case(lambda t, c: t.resolve(c, "fixed", ""), OPEN, Ticket.Resolved),
    "reopen": Case(
        lambda t, c: t.reopen(c, "still broken"),
        frozenset({"resolved"}),
        Ticket.Reopened,
    ),
    "close": Case(
        lambda t, c: t.close(c, None), frozenset({"resolved"}), Ticket.Closed
    ),
    "cancel": Case(lambda t, c: t.cancel(c, "dup"), OPEN, Ticket.Canceled),
    "link": Case(lambda t, c: t.link(c, "problem", TARGET), NOT_FINAL, Ticket.Linked),
    "unlink": Case(
        lambda t, c: t.unlink(c, "parent", TARGET),
        NOT_FINAL,
        Ticket.Unlinked,
        (linked("parent"),),
    ),
    "tag": Case(lambda t, c: t.tag(c, "printer"), NOT_FINAL, Ticket.Tagged),
    "record_automation_halt": Case(
        lambda t, c: t.record_automation_halt(c, "R7", "assign", "rule loop"),
        NOT_FINAL,
        Ticket.AutomationHalted,
    ),
    "untag": Case(
        lambda t, c: t.untag(c, "vip"),
        NOT_FINAL,
        Ticket.Untagged,
        draft=(("tags", ("vip",)),),
    ),
}

REFUSED = [
    (name, state)
    for name, case in CASES.items()
    for state in STATES
    if state not in case.allowed
]
ALLOWED = [
    (name, state) for name, case in CASES.items() for state in sorted(case.allowed)
]


def ticket_in(state: State, case: Case) -> Ticket:
    ticket = given(*case.prepare, *STATE_HISTORIES[state], **dict(case.draft))
    assert ticket.state == state
    return ticket


def test_every_state_is_reachable_and_final_states_refuse_everything() -> None:
    assert set(STATE_HISTORIES) == set(STATES)
    assert {s for s in STATES if all(s not in c.allowed for c in CASES.values())} == {
        "closed",
        "canceled",
    }


@pytest.mark.parametrize(("command", "state"), REFUSED)
def test_command_is_refused_in_state_and_records_nothing(
    command: str, state: State
) -> None:
    case = CASES[command]
    ticket = ticket_in(state, case)
    version, before = ticket.version, dict(vars(ticket))

    with pytest.raises(InvalidTransitionError) as err:
        case.act(ticket, ctx_for(ticket))

    assert err.value.code == "invalid_transition"
    assert err.value.details == {
        "ticket": "INC0000001",
        "state": state,
        "command": command,
    }
    assert state in err.value.message
    assert command in err.value.message
    assert then_events(ticket) == []
    assert ticket.version == version
    assert vars(ticket) == before


@pytest.mark.parametrize(("command", "state"), ALLOWED)
def test_command_is_accepted_in_state_and_records_one_event(
    command: str, state: State
) -> None:
    case = CASES[command]
    ticket = ticket_in(state, case)
    version = ticket.version

    if (command, state) == ("unassign", "new"):
        # A new ticket has never been assigned: allowed, but nothing to undo.
        with pytest.raises(NoChangeError):
            case.act(ticket, ctx_for(ticket))
        assert then_events(ticket) == []
        return
    case.act(ticket, ctx_for(ticket))

    events = ticket.collect_events()
    assert [type(e) for e in events] == [case.records]
    assert ticket.version == version + 1
