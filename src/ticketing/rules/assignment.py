"""Assignment strategies: pure functions over a directory snapshot and current load.

Eligible agents are members of the group who are on shift and below their
capacity (``load`` counts open tickets assigned to each agent; missing = 0).
Ties are always broken by agent id in ascending (code point) order, so the
same inputs give the same agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ticketing.rules.actions import AssignAction
    from ticketing.rules.directory import Agent, Directory


def eligible(
    directory: Directory, group: str, load: Mapping[str, int]
) -> tuple[Agent, ...]:
    """Members of ``group`` on shift and with room, ordered by id."""
    return tuple(
        a
        for a in directory.members_of(group)
        if a.on_shift and a.has_room(load.get(a.id, 0))
    )


@dataclass(frozen=True, slots=True)
class RoundRobinPick:
    """The agent picked (None if nobody is eligible) and the group's next cursor."""

    agent_id: str | None
    cursor: str | None


def round_robin(
    directory: Directory, group: str, load: Mapping[str, int], cursor: str | None
) -> RoundRobinPick:
    """The first eligible agent whose id sorts after ``cursor``, wrapping around.

    The cursor is the id of the agent picked last in this group (None at
    first). Keeping an id rather than a position stays fair when members join,
    leave or go off shift: the rotation simply continues after that id.
    """
    candidates = eligible(directory, group, load)
    if not candidates:
        return RoundRobinPick(None, cursor)
    after = [a for a in candidates if cursor is None or a.id > cursor]
    chosen = (after or list(candidates))[0]
    return RoundRobinPick(chosen.id, chosen.id)


def least_loaded(
    directory: Directory, group: str, load: Mapping[str, int]
) -> str | None:
    """The eligible agent with the fewest open assigned tickets (then lowest id)."""
    return _least_loaded(eligible(directory, group, load), load)


def skills_match(
    directory: Directory,
    group: str,
    required_skills: Iterable[str],
    load: Mapping[str, int],
) -> str | None:
    """Among eligible agents holding every required skill, the least loaded."""
    needed = frozenset(required_skills)
    holders = [a for a in eligible(directory, group, load) if needed <= a.skills]
    return _least_loaded(holders, load)


def _least_loaded(agents: Iterable[Agent], load: Mapping[str, int]) -> str | None:
    best = min(agents, key=lambda a: (load.get(a.id, 0), a.id), default=None)
    return None if best is None else best.id


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who an assign action picked (None: nobody eligible) and the updated cursors."""

    agent_id: str | None
    group: str | None
    cursors: Mapping[str, str]


def choose_agent(
    action: AssignAction,
    directory: Directory,
    load: Mapping[str, int],
    cursors: Mapping[str, str],
) -> Assignment:
    """Apply an assign decision's strategy; ``cursors`` maps group -> last pick.

    A ``direct`` assignment names its agent but still respects the shift flag
    and capacity: an off-shift or full agent yields no assignment.
    """
    group = action.group
    picked: str | None = None
    new_cursors = dict(cursors)
    if action.strategy == "direct":
        agent = directory.agents.get(action.agent or "")
        if agent and agent.on_shift and agent.has_room(load.get(agent.id, 0)):
            picked = agent.id
    elif group is not None and action.strategy == "round_robin":
        pick = round_robin(directory, group, load, cursors.get(group))
        picked = pick.agent_id
        if pick.cursor is not None:
            new_cursors[group] = pick.cursor
    elif group is not None and action.strategy == "least_loaded":
        picked = least_loaded(directory, group, load)
    elif group is not None and action.strategy == "skills_match":
        picked = skills_match(directory, group, action.skills, load)
    return Assignment(picked, group, MappingProxyType(new_cursors))
