"""Assignment strategies on a small directory: eligibility, order, cursors."""

from __future__ import annotations

import pytest

from ticketing.rules import (
    Agent,
    AssignAction,
    Directory,
    Group,
    choose_agent,
    least_loaded,
    round_robin,
    skills_match,
)
from ticketing.rules.assignment import eligible

TEAM = Directory.of(
    queues=["desk"],
    groups=[Group("desk", frozenset({"ann", "bob", "cat", "dan", "eve"}))],
    agents=[
        Agent("ann", frozenset({"vpn", "dns"}), capacity=3),
        Agent("bob", frozenset({"vpn"}), capacity=None),
        Agent("cat", frozenset({"vpn", "dns"}), capacity=2, on_shift=False),
        Agent("dan", frozenset({"dns"}), capacity=0),
        Agent("eve", frozenset(), capacity=5),
    ],
)


def test_eligible_skips_off_shift_and_full_agents_in_id_order() -> None:
    agents = eligible(TEAM, "desk", {"ann": 3})

    assert [a.id for a in agents] == ["bob", "eve"]


def test_unknown_group_has_nobody() -> None:
    assert eligible(TEAM, "nope", {}) == ()
    assert round_robin(TEAM, "nope", {}, "x").agent_id is None
    assert least_loaded(TEAM, "nope", {}) is None


@pytest.mark.parametrize(
    ("cursor", "load", "expected"),
    [
        (None, {}, "ann"),
        ("ann", {}, "bob"),
        ("bob", {}, "eve"),  # cat is off shift, dan has no capacity
        ("eve", {}, "ann"),  # wraps around
        ("cat", {}, "eve"),  # a cursor on an ineligible agent continues after it
        ("zed", {}, "ann"),  # a departed agent's id still orders the rotation
        ("bob", {"bob": 99, "eve": 5}, "ann"),  # eve is full, so wrap to ann
    ],
)
def test_round_robin_continues_after_the_cursor(
    cursor: str | None, load: dict[str, int], expected: str
) -> None:
    pick = round_robin(TEAM, "desk", load, cursor)

    assert pick.agent_id == expected
    assert pick.cursor == expected


def test_round_robin_keeps_the_cursor_when_nobody_is_eligible() -> None:
    pick = round_robin(TEAM, "desk", {"ann": 3, "bob": 40, "eve": 5}, "bob")
    without_bob = Directory.of(
        ["desk"],
        [Group("desk", frozenset({"ann", "eve"}))],
        [Agent("ann", capacity=3), Agent("eve", capacity=5)],
    )

    nobody = round_robin(without_bob, "desk", {"ann": 3, "eve": 5}, "eve")

    assert pick.agent_id == "bob"
    assert (nobody.agent_id, nobody.cursor) == (None, "eve")


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        ({}, "ann"),  # all at zero: lowest id
        ({"ann": 1}, "bob"),
        ({"ann": 1, "bob": 1}, "eve"),
        ({"ann": 2, "bob": 4, "eve": 2}, "ann"),  # tie on 2: lowest id
        ({"ann": 3, "bob": 4, "eve": 5}, "bob"),  # ann and eve are full
    ],
)
def test_least_loaded_picks_the_minimum_then_the_lowest_id(
    load: dict[str, int], expected: str
) -> None:
    assert least_loaded(TEAM, "desk", load) == expected


@pytest.mark.parametrize(
    ("skills", "load", "expected"),
    [
        ({"vpn"}, {}, "ann"),
        ({"vpn"}, {"ann": 1}, "bob"),
        ({"vpn", "dns"}, {"ann": 2}, "ann"),  # cat has both but is off shift
        ({"vpn", "dns"}, {"ann": 3}, None),  # ann is full
        ({"dns"}, {"ann": 1}, "ann"),  # dan has dns but capacity 0
        (set(), {"ann": 1, "bob": 1}, "eve"),  # no skills needed: least loaded
        ({"cobol"}, {}, None),
    ],
)
def test_skills_match_requires_every_skill_then_least_loaded(
    skills: set[str], load: dict[str, int], expected: str | None
) -> None:
    assert skills_match(TEAM, "desk", skills, load) == expected


def test_choose_agent_applies_each_strategy_and_advances_the_cursor() -> None:
    cursors = {"desk": "ann", "other": "x"}

    rr = choose_agent(AssignAction("round_robin", "desk"), TEAM, {}, cursors)
    ll = choose_agent(AssignAction("least_loaded", "desk"), TEAM, {"ann": 1}, cursors)
    sm = choose_agent(
        AssignAction("skills_match", "desk", skills=frozenset({"vpn", "dns"})),
        TEAM,
        {},
        cursors,
    )

    assert (rr.agent_id, rr.group, dict(rr.cursors)) == (
        "bob",
        "desk",
        {"desk": "bob", "other": "x"},
    )
    assert (ll.agent_id, dict(ll.cursors)) == ("bob", cursors)
    assert sm.agent_id == "ann"
    assert cursors == {"desk": "ann", "other": "x"}


@pytest.mark.parametrize(
    ("agent", "load", "expected"),
    [
        ("ann", {}, "ann"),
        ("ann", {"ann": 3}, None),  # at capacity
        ("cat", {}, None),  # off shift
        ("ghost", {}, None),  # no longer in the directory
    ],
)
def test_direct_assignment_respects_shift_and_capacity(
    agent: str, load: dict[str, int], expected: str | None
) -> None:
    result = choose_agent(AssignAction("direct", "desk", agent), TEAM, load, {})

    assert result.agent_id == expected
    assert result.group == "desk"


def test_directory_rejects_groups_with_unknown_members() -> None:
    with pytest.raises(ValueError, match="unknown members: zed"):
        Directory.of(["q"], [Group("g", frozenset({"zed"}))], [])


def test_a_strategy_without_a_group_picks_nobody() -> None:
    result = choose_agent(AssignAction("least_loaded", None), TEAM, {}, {"desk": "ann"})

    assert (result.agent_id, dict(result.cursors)) == (None, {"desk": "ann"})
