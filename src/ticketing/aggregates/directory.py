"""Agents and groups: who can be assigned work, with which skills, how much, when.

Both are event-sourced like tickets, identified by uuid5 of their natural key
(``agent:alice``, ``group:network``), so commands can address them by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from ticketing.errors import NoChangeError
from ticketing.ids import natural_id

if TYPE_CHECKING:
    import builtins
    from uuid import UUID

    from ticketing.aggregates.envelope import Envelope, EventContext


def agent_uuid(agent_id: str) -> UUID:
    return natural_id("agent", agent_id)


def group_uuid(group_id: str) -> UUID:
    return natural_id("group", group_id)


class DirectoryEvent(Aggregate.Event):
    class_version = 1
    meta: Envelope


def _stamp(
    aggregate: Aggregate,
    ctx: EventContext,
    event_class: builtins.type[DirectoryEvent],
    **fields: Any,
) -> None:
    aggregate.trigger_event(
        event_class, timestamp=ctx.occurred_at, meta=ctx.envelope, **fields
    )


class Agent(Aggregate):
    """A person who works tickets."""

    class Registered(DirectoryEvent, Aggregate.Created):
        agent_id: str
        name: str
        skills: list[str]
        capacity: int
        on_shift: bool

        def apply(self, aggregate: Agent) -> None:
            aggregate.agent_id, aggregate.name = self.agent_id, self.name
            aggregate.skills = tuple(sorted(set(self.skills)))
            aggregate.capacity, aggregate.on_shift = self.capacity, self.on_shift

    class SkillsChanged(DirectoryEvent):
        skills: list[str]

        def apply(self, aggregate: Agent) -> None:
            aggregate.skills = tuple(sorted(set(self.skills)))

    class CapacityChanged(DirectoryEvent):
        capacity: int

        def apply(self, aggregate: Agent) -> None:
            aggregate.capacity = self.capacity

    class ShiftChanged(DirectoryEvent):
        on_shift: bool

        def apply(self, aggregate: Agent) -> None:
            aggregate.on_shift = self.on_shift

    agent_id: str
    name: str
    skills: tuple[str, ...]
    capacity: int
    on_shift: bool

    def __init__(self) -> None:
        """State is set by ``Registered.apply``."""

    @classmethod
    def register(
        cls,
        ctx: EventContext,
        agent_id: str,
        name: str,
        skills: list[str],
        capacity: int,
        *,
        on_shift: bool,
    ) -> Agent:
        return cls._create(
            cls.Registered,
            id=agent_uuid(agent_id),
            timestamp=ctx.occurred_at,
            meta=ctx.envelope,
            agent_id=agent_id,
            name=name,
            skills=sorted(set(skills)),
            capacity=capacity,
            on_shift=on_shift,
        )

    def change_skills(self, ctx: EventContext, skills: list[str]) -> None:
        if tuple(sorted(set(skills))) == self.skills:
            raise _no_change(self.agent_id, "skills")
        _stamp(self, ctx, Agent.SkillsChanged, skills=sorted(set(skills)))

    def change_capacity(self, ctx: EventContext, capacity: int) -> None:
        if capacity == self.capacity:
            raise _no_change(self.agent_id, "capacity")
        _stamp(self, ctx, Agent.CapacityChanged, capacity=capacity)

    def change_shift(self, ctx: EventContext, *, on_shift: bool) -> None:
        if on_shift == self.on_shift:
            raise _no_change(self.agent_id, "on-shift flag")
        _stamp(self, ctx, Agent.ShiftChanged, on_shift=on_shift)


class Group(Aggregate):
    """A team that owns a queue of work; its members are agents."""

    class Created(DirectoryEvent, Aggregate.Created):
        group_id: str
        name: str

        def apply(self, aggregate: Group) -> None:
            aggregate.group_id, aggregate.name = self.group_id, self.name
            aggregate.members = ()

    class MemberAdded(DirectoryEvent):
        agent_id: str

        def apply(self, aggregate: Group) -> None:
            aggregate.members = tuple(sorted({*aggregate.members, self.agent_id}))

    class MemberRemoved(DirectoryEvent):
        agent_id: str

        def apply(self, aggregate: Group) -> None:
            aggregate.members = tuple(sorted(set(aggregate.members) - {self.agent_id}))

    group_id: str
    name: str
    members: tuple[str, ...]

    def __init__(self) -> None:
        """State is set by ``Created.apply``."""

    @classmethod
    def create(cls, ctx: EventContext, group_id: str, name: str) -> Group:
        return cls._create(
            cls.Created,
            id=group_uuid(group_id),
            timestamp=ctx.occurred_at,
            meta=ctx.envelope,
            group_id=group_id,
            name=name,
        )

    def add_member(self, ctx: EventContext, agent_id: str) -> None:
        if agent_id in self.members:
            raise _no_change(self.group_id, f"{agent_id} is already a member")
        _stamp(self, ctx, Group.MemberAdded, agent_id=agent_id)

    def remove_member(self, ctx: EventContext, agent_id: str) -> None:
        if agent_id not in self.members:
            raise _no_change(self.group_id, f"{agent_id} is not a member")
        _stamp(self, ctx, Group.MemberRemoved, agent_id=agent_id)


def _no_change(ref: str, what: str) -> NoChangeError:
    return NoChangeError(f"nothing to change for {ref}: {what}", {"ref": ref})
