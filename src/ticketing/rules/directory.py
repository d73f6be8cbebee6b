"""The directory snapshot rules are checked and assignments are made against.

Queues, groups (with their member agents) and agents (skills, capacity,
on-shift flag). The caller builds it from wherever it keeps this data (a
projection, a TOML file via ``parse_directory``) and passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ticketing.commands.validation import check_name
from ticketing.errors import PolicyError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent: ``capacity`` is how many open assigned tickets they may hold."""

    id: str
    skills: frozenset[str] = frozenset()
    capacity: int | None = None
    on_shift: bool = True

    def has_room(self, load: int) -> bool:
        """True when another ticket fits under the capacity (None = unlimited)."""
        return self.capacity is None or load < self.capacity


@dataclass(frozen=True, slots=True)
class Group:
    """An assignment group and its member agents' ids."""

    id: str
    members: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Directory:
    """Known queues, groups and agents; construct with ``Directory.of``."""

    queues: frozenset[str]
    groups: Mapping[str, Group] = field(default_factory=dict)
    agents: Mapping[str, Agent] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        queues: Iterable[str],
        groups: Iterable[Group] = (),
        agents: Iterable[Agent] = (),
    ) -> Directory:
        """Index groups and agents by id; every group member must be a known agent."""
        by_group = {g.id: g for g in groups}
        by_agent = {a.id: a for a in agents}
        for group in by_group.values():
            unknown = sorted(group.members - by_agent.keys())
            if unknown:
                msg = f"group {group.id!r} has unknown members: {', '.join(unknown)}"
                raise ValueError(msg)
        return cls(
            frozenset(queues), MappingProxyType(by_group), MappingProxyType(by_agent)
        )

    def members_of(self, group_id: str) -> tuple[Agent, ...]:
        """The group's agents ordered by id (the tie-breaking order); () if unknown."""
        group = self.groups.get(group_id)
        if group is None:
            return ()
        return tuple(self.agents[a] for a in sorted(group.members))


def parse_directory(raw: Mapping[str, Any], source: str) -> Directory:
    """A directory from decoded TOML: ``queues = [...]``, ``[[group]]``, ``[[agent]]``.

    Groups name their ``members``; agents give ``id``, ``skills``, ``capacity``
    and ``on_shift``. The first problem found is raised as a ``PolicyError``.
    """
    queues = raw.get("queues", [])
    if not isinstance(queues, list) or any(check_name(q) for q in queues):
        raise PolicyError.at(source, "queues", "a list of queue names is required")
    agents = [_agent(a, source, i) for i, a in enumerate(raw.get("agent", []))]
    groups = [_group(g, source, i) for i, g in enumerate(raw.get("group", []))]
    try:
        return Directory.of(queues, groups, agents)
    except ValueError as exc:
        raise PolicyError.at(source, "group", str(exc)) from None


def _agent(raw: object, source: str, index: int) -> Agent:
    where = f"agent[{index}]"
    if not isinstance(raw, dict) or check_name(raw.get("id")):
        raise PolicyError.at(source, where, "a table with an 'id' is required")
    skills = raw.get("skills", [])
    if not isinstance(skills, list) or any(check_name(s) for s in skills):
        raise PolicyError.at(source, f"{where}.skills", "a list of names is required")
    capacity = raw.get("capacity")
    if capacity is not None and (
        isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0
    ):
        raise PolicyError.at(source, f"{where}.capacity", "a whole number >= 0")
    on_shift = raw.get("on_shift", True)
    if not isinstance(on_shift, bool):
        raise PolicyError.at(source, f"{where}.on_shift", "true or false")
    return Agent(raw["id"], frozenset(skills), capacity, on_shift)


def _group(raw: object, source: str, index: int) -> Group:
    where = f"group[{index}]"
    if not isinstance(raw, dict) or check_name(raw.get("id")):
        raise PolicyError.at(source, where, "a table with an 'id' is required")
    members = raw.get("members", [])
    if not isinstance(members, list) or any(check_name(m) for m in members):
        raise PolicyError.at(source, f"{where}.members", "a list of agent ids")
    return Group(raw["id"], frozenset(members))
