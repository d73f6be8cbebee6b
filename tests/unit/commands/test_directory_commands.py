"""Agents and groups through the command service."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.runtime import ADMIN_CTX, sqlite_runtime
from ticketing.aggregates.directory import Agent, Group, agent_uuid, group_uuid
from ticketing.commands import admin_messages as a
from ticketing.errors import (
    ConcurrencyConflictError,
    ConflictError,
    InvalidCommandError,
    NoChangeError,
    NotFoundError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ticketing.runtime import Runtime


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt, _ = sqlite_runtime(tmp_path)
    yield rt
    rt.close()


def _agent(runtime: Runtime, agent_id: str) -> Agent:
    found: object = runtime.app.repository.get(agent_uuid(agent_id))
    assert isinstance(found, Agent)
    return found


def test_register_agent_records_skills_capacity_and_shift(runtime: Runtime) -> None:
    cmd = a.RegisterAgent(
        agent_id="carol",
        display_name="Carol",
        skills=("sql", "linux", "sql"),
        capacity=5,
    )

    result = runtime.service.execute(cmd, ADMIN_CTX)

    agent = _agent(runtime, "carol")
    assert (result.reference, result.version) == ("carol", 1)
    assert (agent.skills, agent.capacity, agent.on_shift) == (("linux", "sql"), 5, True)


def test_register_agent_twice_is_a_conflict(runtime: Runtime) -> None:
    runtime.service.execute(a.RegisterAgent(agent_id="c", display_name="C"), ADMIN_CTX)

    with pytest.raises(ConflictError):
        runtime.service.execute(
            a.RegisterAgent(agent_id="c", display_name="C"), ADMIN_CTX
        )


def test_agent_changes_and_no_change_refusal(runtime: Runtime) -> None:
    runtime.service.execute(a.RegisterAgent(agent_id="c", display_name="C"), ADMIN_CTX)

    runtime.service.execute(a.SetAgentShift(agent_id="c", on_shift=False), ADMIN_CTX)
    runtime.service.execute(a.SetAgentCapacity(agent_id="c", capacity=2), ADMIN_CTX)
    runtime.service.execute(
        a.ChangeAgentSkills(agent_id="c", skills=("net",)), ADMIN_CTX
    )

    agent = _agent(runtime, "c")
    assert (agent.on_shift, agent.capacity, agent.skills) == (False, 2, ("net",))
    with pytest.raises(NoChangeError):
        runtime.service.execute(a.SetAgentCapacity(agent_id="c", capacity=2), ADMIN_CTX)


def test_group_membership_requires_a_registered_agent(runtime: Runtime) -> None:
    runtime.service.execute(
        a.CreateGroup(group_id="net", display_name="Network"), ADMIN_CTX
    )

    with pytest.raises(NotFoundError):
        runtime.service.execute(
            a.AddGroupMember(group_id="net", agent_id="x"), ADMIN_CTX
        )

    runtime.service.execute(a.RegisterAgent(agent_id="x", display_name="X"), ADMIN_CTX)
    runtime.service.execute(a.AddGroupMember(group_id="net", agent_id="x"), ADMIN_CTX)
    group: object = runtime.app.repository.get(group_uuid("net"))
    assert isinstance(group, Group)
    assert group.members == ("x",)
    runtime.service.execute(
        a.RemoveGroupMember(group_id="net", agent_id="x"), ADMIN_CTX
    )
    after: object = runtime.app.repository.get(group_uuid("net"))
    assert isinstance(after, Group)
    assert after.members == ()


def test_unknown_agent_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFoundError):
        runtime.service.execute(
            a.SetAgentShift(agent_id="nobody", on_shift=True), ADMIN_CTX
        )


def test_stale_expected_version_on_an_agent_is_a_conflict(runtime: Runtime) -> None:
    runtime.service.execute(a.RegisterAgent(agent_id="c", display_name="C"), ADMIN_CTX)
    runtime.service.execute(a.SetAgentShift(agent_id="c", on_shift=False), ADMIN_CTX)

    with pytest.raises(ConcurrencyConflictError):
        runtime.service.execute(
            a.SetAgentCapacity(agent_id="c", capacity=1, expected_version=1), ADMIN_CTX
        )


def test_bad_directory_values_are_listed_per_field() -> None:
    with pytest.raises(InvalidCommandError) as err:
        a.RegisterAgent(agent_id=" x", display_name="", capacity=-1)

    assert set(err.value.details["fields"]) == {"agent_id", "display_name", "capacity"}
