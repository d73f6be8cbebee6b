"""Properties of the assignment strategies: fairness, minimum load, skills, order."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketing.rules import (
    Agent,
    Directory,
    Group,
    least_loaded,
    round_robin,
    skills_match,
)
from ticketing.rules.assignment import eligible

pytestmark = pytest.mark.property

SKILLS = ("vpn", "dns", "sql", "unix", "windows")
GROUP = "g"


@st.composite
def teams(draw: st.DrawFn, *, always_eligible: bool = False) -> Directory:
    ids = draw(
        st.lists(
            st.from_regex(r"[a-z]{1,4}", fullmatch=True),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    agents = [
        Agent(
            agent_id,
            frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=4))),
            capacity=None if always_eligible else draw(st.none() | st.integers(0, 5)),
            on_shift=True if always_eligible else draw(st.booleans()),
        )
        for agent_id in ids
    ]
    members = draw(st.sets(st.sampled_from(ids), min_size=1)) if ids else set()
    outsider = Agent("zz-outsider", frozenset(SKILLS))
    return Directory.of(["q"], [Group(GROUP, frozenset(members))], [*agents, outsider])


def loads(directory: Directory) -> st.SearchStrategy[dict[str, int]]:
    return st.dictionaries(st.sampled_from(sorted(directory.agents)), st.integers(0, 6))


@given(team=teams(always_eligible=True), rounds=st.integers(1, 5), data=st.data())
def test_round_robin_is_fair_over_n_times_k_picks(
    team: Directory, rounds: int, data: st.DataObject
) -> None:
    members = [a.id for a in team.members_of(GROUP)]
    cursor = data.draw(
        st.none() | st.sampled_from(sorted(team.agents)) | st.text(max_size=3)
    )

    picks: Counter[str] = Counter()
    for _ in range(len(members) * rounds):
        pick = round_robin(team, GROUP, {}, cursor)
        assert pick.agent_id is not None
        picks[pick.agent_id] += 1
        cursor = pick.cursor

    assert picks == Counter(dict.fromkeys(members, rounds))


@given(team=teams(), rounds=st.integers(1, 4), data=st.data())
def test_round_robin_shares_evenly_among_eligible_agents_only(
    team: Directory, rounds: int, data: st.DataObject
) -> None:
    load = data.draw(loads(team))
    eligible_ids = [a.id for a in eligible(team, GROUP, load)]
    cursor: str | None = None

    picks: Counter[str] = Counter()
    for _ in range(len(eligible_ids) * rounds):
        pick = round_robin(team, GROUP, load, cursor)
        assert pick.agent_id is not None
        picks[pick.agent_id] += 1
        cursor = pick.cursor

    assert picks == Counter(dict.fromkeys(eligible_ids, rounds))
    if not eligible_ids:
        assert round_robin(team, GROUP, load, "x").agent_id is None


@given(team=teams(), data=st.data())
def test_least_loaded_picks_an_eligible_agent_of_minimum_load(
    team: Directory, data: st.DataObject
) -> None:
    load = data.draw(loads(team))
    candidates = eligible(team, GROUP, load)

    chosen = least_loaded(team, GROUP, load)

    if not candidates:
        assert chosen is None
        return
    assert chosen in {a.id for a in candidates}
    minimum = min(load.get(a.id, 0) for a in candidates)
    assert load.get(chosen, 0) == minimum
    assert chosen == min(a.id for a in candidates if load.get(a.id, 0) == minimum)


@given(
    team=teams(), required=st.sets(st.sampled_from(SKILLS), max_size=3), data=st.data()
)
def test_skills_match_only_returns_agents_holding_all_skills(
    team: Directory, required: set[str], data: st.DataObject
) -> None:
    load = data.draw(loads(team))
    holders = [a for a in eligible(team, GROUP, load) if required <= a.skills]

    chosen = skills_match(team, GROUP, required, load)

    if not holders:
        assert chosen is None
        return
    agent = team.agents[chosen] if chosen else None
    assert agent is not None
    assert required <= agent.skills
    assert agent.on_shift
    assert agent.has_room(load.get(agent.id, 0))
    assert load.get(agent.id, 0) == min(load.get(a.id, 0) for a in holders)


@given(
    team=teams(),
    required=st.sets(st.sampled_from(SKILLS), max_size=2),
    cursor=st.none() | st.text(max_size=3),
    data=st.data(),
)
def test_strategies_are_deterministic_whatever_the_input_order(
    team: Directory, required: set[str], cursor: str | None, data: st.DataObject
) -> None:
    load = data.draw(loads(team))
    agents = data.draw(st.permutations(list(team.agents.values())))
    groups = list(team.groups.values())
    shuffled = Directory.of(sorted(team.queues, reverse=True), groups, agents)
    reordered_load = dict(reversed(list(load.items())))

    first = (
        round_robin(team, GROUP, load, cursor),
        least_loaded(team, GROUP, load),
        skills_match(team, GROUP, required, load),
    )
    second = (
        round_robin(shuffled, GROUP, reordered_load, cursor),
        least_loaded(shuffled, GROUP, reordered_load),
        skills_match(shuffled, GROUP, sorted(required), reordered_load),
    )

    assert first == second
