"""Properties of automation by rules: determinism, replay, restart, fairness, bounds.

Run on the in-memory log and processor (``tests.support.memory_log``), which
follow the same definitions as the store-backed ones (tested in integration).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.builders import MATRIX
from tests.support.memory_log import Sim, memory_reactor
from tests.support.rules_fixtures import demo_directory
from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.rules import Agent, Directory, Group, parse_rule_set
from ticketing.rules.loader import DATA_DIR
from ticketing.rules.preview import preview

if TYPE_CHECKING:
    from ticketing.aggregates.envelope import EventContext

pytestmark = pytest.mark.property

DEFAULT_TEXT = (DATA_DIR / "default-v1.toml").read_text("utf-8")
INTAKE: tuple[dict[str, Any], ...] = (
    {"title": "VPN drops", "category": "network"},
    {"title": "Password reset please"},
    {"title": "Outlook broken", "service": "email"},
    {"title": "Printer jam", "requester_org": "executive-office"},
    {"title": "Core router down", "impact": 1, "urgency": 1},
    {"title": "Screen flickers"},
    {"title": "Phishing mail"},
    {"title": "Unlock my account"},
)
#: A script step: open (intake index), run the processor, or a person acts.
Step = tuple[str, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("open"), st.integers(0, len(INTAKE) - 1)),
        st.tuples(st.just("run"), st.just(0)),
        st.tuples(st.sampled_from(["resolve", "take", "comment"]), st.integers(0, 30)),
    ),
    min_size=1,
    max_size=40,
)


def _resolve(ticket: Ticket, ctx: EventContext) -> None:
    ticket.resolve(ctx, "fixed", "")


def _take(ticket: Ticket, ctx: EventContext) -> None:
    ticket.assign(ctx, "ben", None)


def _comment(ticket: Ticket, ctx: EventContext) -> None:
    ticket.comment(ctx, "any news?", "public", "requester")


PEOPLE = {"resolve": _resolve, "take": _take, "comment": _comment}


def play(
    script: list[Step], restart_at: int | None = None, cache: int | None = None
) -> Sim:
    """Run ``script``; optionally restart the reactor (fresh state) at a step.

    ``cache``: how many tickets the reactor keeps (0: every trigger loads its
    ticket from the log, as after a restart with more open tickets than that).
    """
    sim = Sim()
    sim.directory(demo_directory())
    sim.activate(DEFAULT_TEXT, "default-v1")
    reactor = memory_reactor(sim)
    if cache is not None:
        reactor.cache_limit = cache
    reactor.warm_up(sim.log.head())
    sim.cursor = sim.log.head()
    opened: list[Any] = []
    for index, (what, arg) in enumerate(script):
        if index == restart_at:
            reactor = memory_reactor(sim)
            if cache is not None:
                reactor.cache_limit = cache
            reactor.warm_up(sim.cursor)
        if what == "open":
            opened.append(sim.open(**INTAKE[arg]))
        elif what == "run":
            sim.run(reactor)
        elif opened:
            ticket_id = opened[arg % len(opened)]
            if sim.tickets[ticket_id].state in ("new", "in_progress"):
                sim.act(ticket_id, PEOPLE[what])
    sim.run(reactor)
    return sim


def fingerprint(sim: Sim) -> list[tuple[Any, ...]]:
    out = []
    for log in sim.log.events:
        e = log.event
        fields = {k: v for k, v in vars(e).items() if k not in ("meta", "timestamp")}
        out.append((log.position, type(e).__name__, sorted(fields.items(), key=str)))
    return out


@settings(deadline=None)
@given(script=steps)
def test_same_history_and_rules_give_the_same_decisions(script: list[Step]) -> None:
    assert fingerprint(play(script)) == fingerprint(play(script))


@settings(deadline=None)
@given(script=steps)
def test_tickets_kept_in_memory_or_loaded_give_the_same_decisions(
    script: list[Step],
) -> None:
    assert fingerprint(play(script, cache=0)) == fingerprint(play(script))


@settings(deadline=None)
@given(script=steps, data=st.data())
def test_a_restarted_processor_decides_as_if_it_never_stopped(
    script: list[Step], data: st.DataObject
) -> None:
    restart_at = data.draw(st.integers(0, len(script) - 1))

    assert fingerprint(play(script, restart_at)) == fingerprint(play(script))


@settings(deadline=None)
@given(script=steps)
def test_replaying_history_under_the_rules_that_ran_changes_nothing(
    script: list[Step],
) -> None:
    sim = play(script)
    rule_set = parse_rule_set(DEFAULT_TEXT, "default-v1.toml", demo_directory())

    report = preview(sim.log, rule_set, MATRIX)

    assert report.differences == []
    assert report.trigger_points == sum(
        1
        for log in sim.log.events
        if isinstance(log.event, TicketEvent)
        and not isinstance(log.event, Ticket.AutomationHalted)
    )


@settings(deadline=None)
@given(script=steps)
def test_every_automated_event_is_attributed(script: list[Step]) -> None:
    sim = play(script)

    for log in sim.log.events:
        meta = log.event.meta
        if meta.actor.kind != "rule":
            continue
        assert meta.actor.id == f"rule:{meta.rule_id}"
        assert meta.rule_set_version == "default-v1"
        assert meta.causation_id is not None
        assert meta.depth >= 1
        cause_ticket, _, cause_version = meta.causation_id.rpartition(":")
        assert cause_ticket == str(log.originator_id)
        assert int(cause_version) < log.version


ROUND_ROBIN = """version = "rr-1"
queues = ["desk"]

[[rule]]
id = "RR"
when = "true"
route = { queue = "desk", group = "team" }
assign = { strategy = "round_robin", group = "team" }
"""
LEAST_LOADED = ROUND_ROBIN.replace("round_robin", "least_loaded")


@st.composite
def teams(draw: st.DrawFn) -> Directory:
    size = draw(st.integers(1, 5))
    agents = [
        Agent(
            f"a{i}",
            capacity=draw(st.none() | st.integers(0, 4)),
            on_shift=draw(st.booleans()) or i == 0,
        )
        for i in range(size)
    ]
    group = Group("team", frozenset(a.id for a in agents))
    return Directory.of(["desk"], [group], agents)


def burst(directory: Directory, text: str, tickets: int) -> Sim:
    sim = Sim()
    sim.directory(directory)
    sim.activate(text, parse_rule_set(text, "t.toml", directory).version)
    reactor = memory_reactor(sim)
    reactor.warm_up(sim.log.head())
    sim.cursor = sim.log.head()
    for _ in range(tickets):
        sim.open()
    sim.run(reactor)  # one batch: nobody's assignment was recorded before
    return sim


def assigned(sim: Sim) -> list[str]:
    return [
        log.event.agent_id
        for log in sim.log.events
        if isinstance(log.event, Ticket.Assigned)
    ]


@settings(deadline=None)
@given(team=teams(), tickets=st.integers(1, 20))
def test_a_burst_is_shared_fairly_round_robin(team: Directory, tickets: int) -> None:
    sim = burst(team, ROUND_ROBIN, tickets)

    counts = Counter(assigned(sim))
    eligible = [a for a in team.members_of("team") if a.on_shift and a.capacity != 0]
    assert set(counts) <= {a.id for a in eligible}
    assert all(counts[a.id] <= (a.capacity or tickets) for a in eligible)
    if eligible and all(a.capacity is None for a in eligible):
        per_agent = [counts[a.id] for a in eligible]
        assert max(per_agent) - min(per_agent) <= 1
        # the rotation goes in id order, one after the other
        ids = [a.id for a in eligible]
        assert assigned(sim) == [ids[i % len(ids)] for i in range(tickets)]


@settings(deadline=None)
@given(team=teams(), tickets=st.integers(1, 20))
def test_least_loaded_never_exceeds_capacity_and_picks_a_minimum(
    team: Directory, tickets: int
) -> None:
    sim = burst(team, LEAST_LOADED.replace("rr-1", "ll-1"), tickets)

    counts = Counter(assigned(sim))
    for agent in team.members_of("team"):
        if agent.capacity is not None:
            assert counts[agent.id] <= agent.capacity
        if not agent.on_shift:
            assert counts[agent.id] == 0
    picks = assigned(sim)
    running: Counter[str] = Counter()
    for pick in picks:
        room = [
            a.id
            for a in team.members_of("team")
            if a.on_shift and (a.capacity is None or running[a.id] < a.capacity)
        ]
        assert running[pick] == min(running[a] for a in room)
        running[pick] += 1
