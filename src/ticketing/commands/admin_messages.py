"""Commands for the directory (agents, groups) and for policy activation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from ticketing.aggregates.policy import POLICY_KINDS, PolicyKind
from ticketing.commands.messages import Command
from ticketing.commands.validation import (
    NAME_MAX,
    check_choice,
    check_int_range,
    check_name,
)

MAX_SKILLS = 64
MAX_CAPACITY = 10_000
MAX_DOCUMENT_CHARS = 1_000_000


def _check_skills(skills: object) -> str | None:
    if not isinstance(skills, tuple):
        return "must be a list of skills"
    if len(skills) > MAX_SKILLS:
        return f"at most {MAX_SKILLS} skills"
    for skill in skills:
        problem = check_name(skill)
        if problem:
            return f"skill {skill!r} {problem}"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentCommand(Command):
    agent_id: str

    def _base_problems(self) -> dict[str, str | None]:
        found = Command._base_problems(self)
        found["agent_id"] = check_name(self.agent_id)
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterAgent(AgentCommand):
    name: ClassVar[str] = "register_agent"

    display_name: str
    skills: tuple[str, ...] = ()
    capacity: int = 10
    on_shift: bool = True

    def problems(self) -> dict[str, str | None]:
        return {
            "display_name": check_name(self.display_name),
            "skills": _check_skills(self.skills),
            "capacity": check_int_range(self.capacity, 0, MAX_CAPACITY),
            "on_shift": None
            if isinstance(self.on_shift, bool)
            else "must be true/false",
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeAgentSkills(AgentCommand):
    name: ClassVar[str] = "change_agent_skills"

    skills: tuple[str, ...]

    def problems(self) -> dict[str, str | None]:
        return {"skills": _check_skills(self.skills)}


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAgentCapacity(AgentCommand):
    name: ClassVar[str] = "set_agent_capacity"

    capacity: int

    def problems(self) -> dict[str, str | None]:
        return {"capacity": check_int_range(self.capacity, 0, MAX_CAPACITY)}


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAgentShift(AgentCommand):
    name: ClassVar[str] = "set_agent_shift"

    on_shift: bool

    def problems(self) -> dict[str, str | None]:
        ok = isinstance(self.on_shift, bool)
        return {"on_shift": None if ok else "must be true/false"}


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupCommand(Command):
    group_id: str

    def _base_problems(self) -> dict[str, str | None]:
        found = Command._base_problems(self)
        found["group_id"] = check_name(self.group_id)
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateGroup(GroupCommand):
    name: ClassVar[str] = "create_group"

    display_name: str

    def problems(self) -> dict[str, str | None]:
        return {"display_name": check_name(self.display_name)}


@dataclass(frozen=True, slots=True, kw_only=True)
class AddGroupMember(GroupCommand):
    name: ClassVar[str] = "add_group_member"

    agent_id: str

    def problems(self) -> dict[str, str | None]:
        return {"agent_id": check_name(self.agent_id)}


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveGroupMember(AddGroupMember):
    name: ClassVar[str] = "remove_group_member"


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivatePolicy(Command):
    """Put a validated policy version in force; documents are stored in the log."""

    name: ClassVar[str] = "activate_policy"

    kind: PolicyKind
    documents: dict[str, str] = field(default_factory=dict)
    #: Default: now.
    effective_from: datetime | None = None

    def problems(self) -> dict[str, str | None]:
        return {
            "kind": check_choice(self.kind, POLICY_KINDS),
            "documents": _check_documents(self.documents),
            "effective_from": _check_instant(self.effective_from),
        }


def _check_documents(documents: object) -> str | None:
    if not isinstance(documents, dict) or not documents:
        return "at least one document (name -> text) is required"
    for name, text in documents.items():
        if not isinstance(name, str) or not name or len(name) > NAME_MAX:
            return f"document name {name!r} is not a short non-empty string"
        if not isinstance(text, str) or len(text) > MAX_DOCUMENT_CHARS:
            return (
                f"document {name!r} must be text of at most {MAX_DOCUMENT_CHARS} chars"
            )
    return None


def _check_instant(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        return "must be an ISO 8601 time with a time zone"
    return None


ADMIN_COMMANDS: tuple[type[Command], ...] = (
    RegisterAgent,
    ChangeAgentSkills,
    SetAgentCapacity,
    SetAgentShift,
    CreateGroup,
    AddGroupMember,
    RemoveGroupMember,
    ActivatePolicy,
)
