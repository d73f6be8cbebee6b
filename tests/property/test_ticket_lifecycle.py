"""Stateful property test: random command sequences against a reference model.

Hypothesis drives the Ticket aggregate and a small, independent model of the
lifecycle side by side. After every step: the state is valid and matches the
model, a rejected command left nothing pending, the version equals the number
of stored events, and the ticket reloaded from the store (real transcoder,
with and without snapshots) equals the one in memory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.support.builders import MATRIX, Timeline, draft
from ticketing.aggregates.drafts import PriorityChange
from ticketing.aggregates.envelope import EventContext
from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.aggregates.vocabulary import HOLD_REASONS, LINK_KINDS, STATES
from ticketing.commands.application import TicketingApplication
from ticketing.errors import (
    DomainError,
    InvalidTransitionError,
    NoChangeError,
    OutOfOrderTimeError,
)
from ticketing.store.indexes import create_index_tables

if TYPE_CHECKING:
    from collections.abc import Callable

SNAPSHOT_INTERVAL = 3
OPEN: frozenset[str] = frozenset({"new", "in_progress", "on_hold"})
NOT_FINAL: frozenset[str] = OPEN | {"resolved"}
ALLOWED: dict[str, frozenset[str]] = {
    "route": OPEN,
    "assign": OPEN,
    "unassign": OPEN,
    "change_priority": OPEN,
    "comment": NOT_FINAL,
    "put_on_hold": frozenset({"new", "in_progress"}),
    "resume": frozenset({"on_hold"}),
    "escalate": OPEN,
    "resolve": OPEN,
    "reopen": frozenset({"resolved"}),
    "close": frozenset({"resolved"}),
    "cancel": OPEN,
    "link": NOT_FINAL,
    "unlink": NOT_FINAL,
    "tag": NOT_FINAL,
    "untag": NOT_FINAL,
}
TARGETS = [str(uuid.UUID(int=i)) for i in range(1, 4)]


@cache
def shared_app() -> TicketingApplication:
    """One in-memory store for the whole run; every example opens a new ticket."""
    app = TicketingApplication("sqlite:///:memory:", SNAPSHOT_INTERVAL)
    create_index_tables(app.log_recorder.engine)
    return app


@dataclass
class Model:
    """The lifecycle as the issue states it, written without the aggregate."""

    impact: int
    urgency: int
    state: str = "new"
    before_hold: str | None = None
    assignee: str | None = None
    queue: str | None = None
    group: str | None = None
    level: int = 0
    overridden: bool = False
    priority: str = "P3"
    tags: set[str] = field(default_factory=set)
    links: set[tuple[str, str]] = field(default_factory=set)

    def assign(self, agent: str, group: str | None) -> bool:
        if agent == self.assignee and group in (None, self.group):
            return False
        self.assignee, self.group = agent, group or self.group
        if self.state == "new":
            self.state = "in_progress"
        if self.before_hold == "new":
            self.before_hold = "in_progress"
        return True

    def reprioritise(self, impact: int, urgency: int, override: str | None) -> bool:
        priority = override or MATRIX.priority_for(impact, urgency)
        new = (impact, urgency, priority, override is not None)
        if new == (self.impact, self.urgency, self.priority, self.overridden):
            return False
        self.impact, self.urgency, self.priority, self.overridden = new
        return True

    def move(self, state: str, before_hold: str | None = None) -> bool:
        self.state, self.before_hold = state, before_hold
        return True


class TicketLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = shared_app()
        self.timeline = Timeline()
        opened = draft(impact=2, urgency=2, tags=("seed",))
        self.ticket = Ticket.open(uuid.uuid4(), self.timeline.next(), opened)
        self.model = Model(impact=2, urgency=2, tags={"seed"})
        self.app.save_aggregate(self.ticket)

    # -- the driver ----------------------------------------------------------

    def attempt(
        self,
        command: str,
        act: Callable[[EventContext], None],
        model_step: Callable[[], bool],
        ctx: EventContext | None = None,
    ) -> None:
        """Run ``act`` on the aggregate; the model predicts the outcome."""
        version = self.ticket.version
        allowed = self.model.state in ALLOWED[command]
        expected: type[DomainError] | None = None
        if not allowed:
            expected = InvalidTransitionError
        elif ctx is not None:
            expected = OutOfOrderTimeError
        refused: DomainError | None = None
        try:
            act(ctx or self.timeline.next())
        except DomainError as exc:
            refused = exc
        if refused is None:
            assert expected is None, f"{command} in {self.model.state}: no {expected}"
            assert model_step(), f"{command}: aggregate changed, model did not"
            assert len(self.ticket.pending_events) == 1
            self.app.save_aggregate(self.ticket)
            return
        if expected is None and isinstance(refused, NoChangeError):
            # allowed here, but the model must agree that nothing would change
            expected = NoChangeError
            assert not model_step(), f"{command}: model saw a change"
        assert type(refused) is expected, (command, self.model.state, refused)
        assert self.ticket.pending_events == []
        assert self.ticket.version == version

    # -- rules -----------------------------------------------------------------

    @rule(
        queue=st.sampled_from(["desk", "network"]), group=st.sampled_from([None, "l2"])
    )
    def route(self, queue: str, group: str | None) -> None:
        def step() -> bool:
            if (queue, group) == (self.model.queue, self.model.group):
                return False
            self.model.queue, self.model.group = queue, group
            return True

        self.attempt("route", lambda c: self.ticket.route(c, queue, group), step)

    @rule(agent=st.sampled_from(["alice", "zoe"]), group=st.sampled_from([None, "l2"]))
    def assign(self, agent: str, group: str | None) -> None:
        self.attempt(
            "assign",
            lambda c: self.ticket.assign(c, agent, group),
            lambda: self.model.assign(agent, group),
        )

    @rule()
    def unassign(self) -> None:
        def step() -> bool:
            if self.model.assignee is None:
                return False
            self.model.assignee = None
            return True

        self.attempt("unassign", lambda c: self.ticket.unassign(c, None), step)

    @rule(
        impact=st.integers(1, 3),
        urgency=st.none() | st.integers(1, 3),
        override=st.none() | st.sampled_from(["P1", "P5"]),
    )
    def change_priority(self, impact: int, urgency: int | None, override: Any) -> None:
        change = PriorityChange(
            matrix=MATRIX,
            impact=impact,
            urgency=urgency,
            override=override,
            reason="because" if override else None,
        )
        self.attempt(
            "change_priority",
            lambda c: self.ticket.change_priority(c, change),
            lambda: self.model.reprioritise(
                impact,
                self.model.urgency if urgency is None else urgency,
                override,
            ),
        )

    @rule()
    def comment(self) -> None:
        self.attempt(
            "comment",
            lambda c: self.ticket.comment(c, "note", "internal", "agent"),
            lambda: True,
        )

    @rule(reason=st.sampled_from(HOLD_REASONS))
    def put_on_hold(self, reason: Any) -> None:
        self.attempt(
            "put_on_hold",
            lambda c: self.ticket.put_on_hold(c, reason, None),
            lambda: self.model.move("on_hold", self.model.state),
        )

    @rule()
    def resume(self) -> None:
        self.attempt(
            "resume",
            lambda c: self.ticket.resume(c, None),
            lambda: self.model.move(self.model.before_hold or "?"),
        )

    @rule(level=st.none() | st.integers(1, 4))
    def escalate(self, level: int | None) -> None:
        def step() -> bool:
            new = self.model.level + 1 if level is None else level
            if new <= self.model.level:
                return False
            self.model.level = new
            return True

        self.attempt("escalate", lambda c: self.ticket.escalate(c, level, "x"), step)

    @rule()
    def resolve(self) -> None:
        self.attempt(
            "resolve",
            lambda c: self.ticket.resolve(c, "fixed", ""),
            lambda: self.model.move("resolved"),
        )

    @rule()
    def reopen(self) -> None:
        self.attempt(
            "reopen",
            lambda c: self.ticket.reopen(c, "again"),
            lambda: self.model.move("in_progress"),
        )

    @rule()
    def close(self) -> None:
        self.attempt(
            "close",
            lambda c: self.ticket.close(c, None),
            lambda: self.model.move("closed"),
        )

    @rule()
    def cancel(self) -> None:
        self.attempt(
            "cancel",
            lambda c: self.ticket.cancel(c, "dup"),
            lambda: self.model.move("canceled"),
        )

    @rule(
        kind=st.sampled_from(LINK_KINDS),
        to=st.sampled_from(TARGETS),
        on=st.booleans(),
    )
    def link_or_unlink(self, kind: Any, to: str, on: bool) -> None:
        link = (kind, to)

        def step() -> bool:
            if (link in self.model.links) == on:
                return False
            self.model.links ^= {link}
            return True

        act = self.ticket.link if on else self.ticket.unlink
        self.attempt("link" if on else "unlink", lambda c: act(c, kind, to), step)

    @rule(tag=st.sampled_from(["seed", "vip", "printer"]), on=st.booleans())
    def tag_or_untag(self, tag: str, on: bool) -> None:
        def step() -> bool:
            if (tag in self.model.tags) == on:
                return False
            self.model.tags ^= {tag}
            return True

        act = self.ticket.tag if on else self.ticket.untag
        self.attempt("tag" if on else "untag", lambda c: act(c, tag), step)

    @rule(minutes=st.integers(1, 600))
    def comment_in_the_past(self, minutes: int) -> None:
        at = self.ticket.modified_on - timedelta(minutes=minutes)
        late = EventContext(self.timeline.next().envelope, at)
        self.attempt(
            "comment",
            lambda c: self.ticket.comment(c, "late", "public", "agent"),
            lambda: True,
            ctx=late,
        )

    # -- invariants ------------------------------------------------------------

    @invariant()
    def state_is_valid_and_matches_the_model(self) -> None:
        t, model = self.ticket, self.model
        assert t.state in STATES
        assert (t.state, t.state_before_hold) == (model.state, model.before_hold)
        assert (t.hold_reason is not None) == (t.state == "on_hold")
        assert (t.state_before_hold is not None) == (t.state == "on_hold")
        assert t.state_before_hold in (None, "new", "in_progress")
        assert t.state != "new" or t.assignee is None
        assert (t.assignee, t.queue, t.group) == (
            model.assignee,
            model.queue,
            model.group,
        )
        assert (t.impact, t.urgency, t.priority) == (
            model.impact,
            model.urgency,
            model.priority,
        )
        assert t.priority_overridden == model.overridden
        assert t.escalation_level == model.level
        assert t.tags == tuple(sorted(model.tags))
        assert t.links == tuple(sorted(model.links))
        assert (t.resolved_at is not None) == (t.state in {"resolved", "closed"})
        assert (t.closed_at is not None) == (t.state in {"closed", "canceled"})

    @invariant()
    def store_agrees_with_memory(self) -> None:
        t = self.ticket
        assert t.pending_events == []
        stored = self.app.log_recorder.select_events(t.id)
        assert t.version == len(stored)
        assert [s.originator_version for s in stored] == list(range(1, t.version + 1))
        folded: Ticket | None = None
        for event in self.app.repository.event_store.get(t.id):
            assert isinstance(event, TicketEvent)
            folded = cast("Ticket | None", event.mutate(folded))
        assert folded == t
        # the repository starts from the latest snapshot (every 3 events)
        assert self.app.repository.get(t.id) == t


TicketLifecycle.TestCase.settings = settings(
    TicketLifecycle.TestCase.settings, stateful_step_count=30
)
TestTicketLifecycle = pytest.mark.property(TicketLifecycle.TestCase)
