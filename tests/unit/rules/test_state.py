"""The rules state folded from the log: directory, load, cursors, rule sets in force."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.memory_log import T0, Sim, memory_reactor
from ticketing.aggregates.directory import Agent as AgentAggregate
from ticketing.aggregates.directory import Group as GroupAggregate
from ticketing.aggregates.vocabulary import OPEN_STATES
from ticketing.rules import Agent, Directory, Group, parse_rule_set
from ticketing.rules.activations import Activation, Timeline
from ticketing.rules.state import RulesState

if TYPE_CHECKING:
    from collections.abc import Callable

    from ticketing.aggregates.envelope import EventContext
    from ticketing.aggregates.ticket import Ticket
    from ticketing.rules.model import RuleSet

TEAM = Directory.of(
    ["desk"],
    [Group("desk-l1", frozenset({"ada", "ben"}))],
    [Agent("ada", frozenset({"windows"}), 3), Agent("ben", capacity=2, on_shift=False)],
)
RULES = """version = "v1"
queues = ["desk"]

[[rule]]
id = "RR"
when = "true"
assign = { strategy = "round_robin", group = "desk-l1" }
"""


def fold(sim: Sim) -> RulesState:
    state = RulesState()
    for log in sim.log.events:
        state.apply(log)
    return state


def test_the_directory_follows_agent_and_group_events() -> None:
    sim = Sim()
    sim.directory(TEAM)
    agent = AgentAggregate.register(sim.ctx(), "cy", "Cy", ["unix"], 1, on_shift=True)
    agent.change_skills(sim.ctx(), ["unix", "dns"])
    agent.change_capacity(sim.ctx(), 4)
    agent.change_shift(sim.ctx(), on_shift=False)
    sim.record(agent)
    group = GroupAggregate.create(sim.ctx(), "net", "Network")
    group.add_member(sim.ctx(), "cy")
    group.add_member(sim.ctx(), "ada")
    group.remove_member(sim.ctx(), "ada")
    sim.record(group)

    directory = fold(sim).directory(frozenset({"desk"}))

    assert directory.queues == frozenset({"desk"})
    assert directory.agents["cy"] == Agent("cy", frozenset({"unix", "dns"}), 4, False)
    assert directory.agents["ben"] == Agent("ben", frozenset(), 2, False)
    assert directory.groups["net"] == Group("net", frozenset({"cy"}))
    assert directory.groups["desk-l1"].members == frozenset({"ada", "ben"})


def _assign(agent: str) -> Callable[[Ticket, EventContext], None]:
    def do(ticket: Ticket, ctx: EventContext) -> None:
        ticket.assign(ctx, agent, None)

    return do


ACTIONS: dict[str, Callable[[Ticket, EventContext], None]] = {
    "assign-ada": lambda t, c: t.assign(c, "ada", None),
    "assign-ben": lambda t, c: t.assign(c, "ben", None),
    "unassign": lambda t, c: t.unassign(c, None),
    "hold": lambda t, c: t.put_on_hold(c, "awaiting_caller", None),
    "resume": lambda t, c: t.resume(c, None),
    "resolve": lambda t, c: t.resolve(c, "fixed", ""),
    "reopen": lambda t, c: t.reopen(c, "not fixed"),
    "close": lambda t, c: t.close(c, None),
    "cancel": lambda t, c: t.cancel(c, "dup"),
}


@settings(deadline=None)
@given(
    script=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(sorted(ACTIONS))), max_size=40
    )
)
def test_load_counts_open_assigned_tickets_like_the_aggregates_say(
    script: list[tuple[int, str]],
) -> None:
    sim = Sim()
    ids = [sim.open() for _ in range(4)]
    for index, action in script:
        sim.act(ids[index], ACTIONS[action])

    state = fold(sim)

    expected: dict[str, int] = {}
    for ticket in sim.tickets.values():
        if ticket.state in OPEN_STATES and ticket.assignee is not None:
            expected[ticket.assignee] = expected.get(ticket.assignee, 0) + 1
        track = state.tickets.get(ticket.id)
        if ticket.state in ("closed", "canceled"):
            assert track is None
        else:
            assert track is not None
            assert track.assignee == ticket.assignee
            assert track.is_open == (ticket.state in OPEN_STATES)
            assert track.version == ticket.version
    assert {a: n for a, n in state.load.items() if n} == expected
    assert state.opened == 4


def test_round_robin_cursors_move_with_rule_made_assignments_only() -> None:
    sim = Sim()
    sim.directory(TEAM)
    sim.activate(RULES, "v1")
    reactor = memory_reactor(sim)
    reactor.warm_up(sim.log.head())
    sim.cursor = sim.log.head()
    first = sim.open()
    sim.run(reactor)
    sim.act(sim.open(), _assign("ben"))  # a person: no cursor move

    state = fold(sim)

    assert sim.tickets[first].assignee == "ada"
    assert state.cursors == {"desk-l1": "ada"}


def _activation(version: str, hours: int, position: int, ok: bool = True) -> Activation:
    rule_set: RuleSet | None = None
    if ok:
        text = RULES.replace('"v1"', f'"{version}"')
        rule_set = parse_rule_set(text, "t.toml", TEAM)
    return Activation(version, T0 + timedelta(hours=hours), position, "x", rule_set)


def test_the_rule_set_in_force_follows_effective_times_not_log_order() -> None:
    timeline = Timeline()
    timeline.add(_activation("v1", 0, 1))
    timeline.add(_activation("v2", 10, 2))  # scheduled for later
    timeline.add(_activation("v3", 2, 3))  # in force before v2 takes over
    timeline.add(_activation("v4", 3, 4, ok=False))  # unusable: skipped

    def at(hours: float) -> str | None:
        found = timeline.in_force(T0 + timedelta(hours=hours))
        return found.version if found else None

    assert [at(h) for h in (-1, 1, 2, 5, 10, 11)] == [
        None,
        "v1",
        "v3",
        "v3",
        "v2",
        "v2",
    ]
    assert timeline.rule_set("v4") is None
    assert timeline.rule_set("v3") is not None


def test_ties_in_effective_time_go_to_the_later_activation() -> None:
    timeline = Timeline()
    timeline.add(_activation("v1", 1, 1))
    timeline.add(_activation("v2", 1, 2))

    found = timeline.in_force(T0 + timedelta(hours=1))

    assert found is not None
    assert found.version == "v2"


def test_an_activation_that_no_longer_parses_leaves_the_previous_in_force() -> None:
    sim = Sim()
    sim.directory(TEAM)
    sim.activate(RULES, "v1")
    broken = RULES.replace('"v1"', '"v2"').replace("desk-l1", "gone")
    sim.activate(broken, "v2")  # recorded without validation (a race)

    state = fold(sim)

    in_force = state.timeline.in_force(sim.at)
    assert in_force is not None
    assert in_force.version == "v1"
    assert state.timeline.activations[-1].problem is not None
    assert "unknown group 'gone'" in state.timeline.activations[-1].problem
