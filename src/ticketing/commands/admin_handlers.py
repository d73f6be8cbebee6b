"""Deciding directory and policy commands (the ticket ones live in service.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ticketing.aggregates.directory import Agent, Group, agent_uuid, group_uuid
from ticketing.aggregates.policy import PolicyTrack, policy_track_id
from ticketing.commands import admin_messages as a
from ticketing.errors import ConflictError, InvalidCommandError, NotFoundError

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.aggregates.envelope import EventContext
    from ticketing.commands.application import TicketingApplication

#: kind -> validator(documents) -> the version the documents declare.
PolicyValidators = dict[str, Callable[[dict[str, str]], str]]

A = TypeVar("A", bound=Aggregate)


def _get(app: TicketingApplication, aggregate_id: UUID, cls: type[A]) -> A | None:
    try:
        found: object = app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, cls) else None


def _require(
    app: TicketingApplication, aggregate_id: UUID, cls: type[A], ref: str
) -> A:
    found = _get(app, aggregate_id, cls)
    if found is None:
        kind = cls.__name__.lower()
        raise NotFoundError(f"no {kind} {ref!r}", {kind: ref})
    return found


def decide_directory(  # noqa: PLR0911 - one return per command, flat on purpose
    app: TicketingApplication, cmd: a.AgentCommand | a.GroupCommand, ectx: EventContext
) -> Agent | Group:
    match cmd:
        case a.RegisterAgent():
            if _get(app, agent_uuid(cmd.agent_id), Agent) is not None:
                raise ConflictError(
                    f"agent {cmd.agent_id!r} is already registered",
                    {"agent_id": cmd.agent_id},
                )
            return Agent.register(
                ectx,
                cmd.agent_id,
                cmd.display_name,
                list(cmd.skills),
                cmd.capacity,
                on_shift=cmd.on_shift,
            )
        case a.ChangeAgentSkills():
            agent = _require(app, agent_uuid(cmd.agent_id), Agent, cmd.agent_id)
            agent.change_skills(ectx, list(cmd.skills))
            return agent
        case a.SetAgentCapacity():
            agent = _require(app, agent_uuid(cmd.agent_id), Agent, cmd.agent_id)
            agent.change_capacity(ectx, cmd.capacity)
            return agent
        case a.SetAgentShift():
            agent = _require(app, agent_uuid(cmd.agent_id), Agent, cmd.agent_id)
            agent.change_shift(ectx, on_shift=cmd.on_shift)
            return agent
        case a.CreateGroup():
            if _get(app, group_uuid(cmd.group_id), Group) is not None:
                raise ConflictError(
                    f"group {cmd.group_id!r} already exists", {"group_id": cmd.group_id}
                )
            return Group.create(ectx, cmd.group_id, cmd.display_name)
        case a.RemoveGroupMember():
            group = _require(app, group_uuid(cmd.group_id), Group, cmd.group_id)
            group.remove_member(ectx, cmd.agent_id)
            return group
        case a.AddGroupMember():
            group = _require(app, group_uuid(cmd.group_id), Group, cmd.group_id)
            _require(app, agent_uuid(cmd.agent_id), Agent, cmd.agent_id)
            group.add_member(ectx, cmd.agent_id)
            return group
        case _:  # pragma: no cover - closed set
            raise InvalidCommandError.for_fields({"command": cmd.name})


def decide_policy(
    app: TicketingApplication,
    cmd: a.ActivatePolicy,
    ectx: EventContext,
    validators: PolicyValidators,
) -> PolicyTrack:
    validate = validators.get(cmd.kind)
    if validate is None:
        raise InvalidCommandError.for_fields(
            {"kind": f"no {cmd.kind} policies can be activated in this build"}
        )
    version = validate(cmd.documents)  # PolicyError on a bad document
    track = _get(app, policy_track_id(cmd.kind), PolicyTrack)
    if track is None:
        track = PolicyTrack.start(cmd.kind, ectx)
    effective_from = cmd.effective_from or ectx.occurred_at
    track.activate(ectx, version, effective_from, cmd.documents)
    return track


def reference_of(aggregate: Aggregate) -> str:
    """A human reference for command records and results."""
    for attribute in ("number", "agent_id", "group_id", "kind"):
        value = getattr(aggregate, attribute, None)
        if isinstance(value, str):
            return value
    return str(aggregate.id)
