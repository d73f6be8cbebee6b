"""Command messages: frozen, validated on construction, one per thing an actor can ask.

Constructing a command with bad values raises ``InvalidCommandError`` listing
every bad field, so a command object that exists is always well-formed.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ticketing.aggregates.vocabulary import (
    AUTHOR_KINDS,
    HOLD_REASONS,
    LINK_KINDS,
    PRIORITIES,
    TICKET_TYPES,
    VISIBILITIES,
    AuthorKind,
    HoldReason,
    LinkKind,
    Priority,
    TicketType,
    Visibility,
)
from ticketing.commands.validation import (
    TEXT_MAX,
    TITLE_MAX,
    check_choice,
    check_int_range,
    check_name,
    check_text,
)
from ticketing.errors import InvalidCommandError

MAX_TAGS = 32
MAX_ESCALATION_LEVEL = 9


def new_command_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of every command: its id (idempotency key) and expected version."""

    name: ClassVar[str] = "command"

    command_id: str = field(default_factory=new_command_id)
    expected_version: int | None = None

    def __post_init__(self) -> None:
        problems = {k: v for k, v in self._base_problems().items() if v}
        problems.update({k: v for k, v in self.problems().items() if v})
        if problems:
            raise InvalidCommandError.for_fields(problems)

    def _base_problems(self) -> dict[str, str | None]:
        return {
            "command_id": check_name(self.command_id),
            "expected_version": check_int_range(
                self.expected_version, 1, 2**62, required=False
            ),
        }

    def problems(self) -> dict[str, str | None]:
        """Field -> reason for every bad value of this command's own fields."""
        return {}

    def payload(self) -> dict[str, Any]:
        """The command's own fields (not id or expected version), JSON-able."""
        skip = {"command_id", "expected_version"}
        # dataclasses.fields(), not __dataclass_fields__: the latter also lists
        # the ClassVar ``name``, which is not an argument of the command.
        return {
            f.name: _jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in skip
        }


def _jsonable(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenTicket(Command):
    name: ClassVar[str] = "open_ticket"

    type: TicketType
    title: str
    impact: int
    urgency: int
    requester_id: str
    description: str = ""
    channel: str = "web"
    category: str | None = None
    subcategory: str | None = None
    service: str | None = None
    configuration_item: str | None = None
    requester_org: str | None = None
    requester_site: str | None = None
    priority_override: Priority | None = None
    priority_override_reason: str | None = None
    tags: tuple[str, ...] = ()
    #: Only for imports: keep the source system's id and number.
    ticket_id: uuid.UUID | None = None
    number: str | None = None

    def problems(self) -> dict[str, str | None]:
        optional_names = (
            "category",
            "subcategory",
            "service",
            "configuration_item",
            "requester_org",
            "requester_site",
            "number",
        )
        found: dict[str, str | None] = {
            "type": check_choice(self.type, TICKET_TYPES),
            "title": check_text(self.title, max_len=TITLE_MAX),
            "description": check_text(
                self.description, max_len=TEXT_MAX, required=False
            ),
            "impact": check_int_range(self.impact, 1, 3),
            "urgency": check_int_range(self.urgency, 1, 3),
            "requester_id": check_name(self.requester_id),
            "channel": check_name(self.channel),
            "priority_override": check_choice(
                self.priority_override, PRIORITIES, required=False
            ),
            "tags": _check_tags(self.tags),
        }
        for name in optional_names:
            found[name] = check_name(getattr(self, name), required=False)
        if self.priority_override is not None:
            found["priority_override_reason"] = check_text(
                self.priority_override_reason, max_len=TEXT_MAX
            )
        return found


def _check_tags(tags: object) -> str | None:
    if not isinstance(tags, tuple):
        return "must be a list of tags"
    if len(tags) > MAX_TAGS:
        return f"at most {MAX_TAGS} tags"
    for tag in tags:
        problem = check_name(tag)
        if problem:
            return f"tag {tag!r} {problem}"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCommand(Command):
    """A command addressed to one existing ticket."""

    ticket_id: uuid.UUID

    def _base_problems(self) -> dict[str, str | None]:
        found = Command._base_problems(self)
        if not isinstance(self.ticket_id, uuid.UUID):
            found["ticket_id"] = "must be a ticket id (UUID)"
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class AddComment(TicketCommand):
    name: ClassVar[str] = "add_comment"

    body: str
    visibility: Visibility = "public"
    #: Only imports name it; otherwise it follows from the actor's role.
    author_kind: AuthorKind | None = None

    def problems(self) -> dict[str, str | None]:
        return {
            "body": check_text(self.body, max_len=TEXT_MAX),
            "visibility": check_choice(self.visibility, VISIBILITIES),
            "author_kind": check_choice(self.author_kind, AUTHOR_KINDS, required=False),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteTicket(TicketCommand):
    name: ClassVar[str] = "route_ticket"

    queue: str
    group: str | None = None

    def problems(self) -> dict[str, str | None]:
        return {
            "queue": check_name(self.queue),
            "group": check_name(self.group, required=False),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignTicket(TicketCommand):
    name: ClassVar[str] = "assign_ticket"

    agent_id: str
    group: str | None = None

    def problems(self) -> dict[str, str | None]:
        return {
            "agent_id": check_name(self.agent_id),
            "group": check_name(self.group, required=False),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class UnassignTicket(TicketCommand):
    name: ClassVar[str] = "unassign_ticket"

    reason: str | None = None

    def problems(self) -> dict[str, str | None]:
        return {"reason": check_text(self.reason, max_len=TEXT_MAX, required=False)}


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePriority(TicketCommand):
    name: ClassVar[str] = "change_priority"

    impact: int | None = None
    urgency: int | None = None
    priority_override: Priority | None = None
    reason: str | None = None

    def problems(self) -> dict[str, str | None]:
        found = {
            "impact": check_int_range(self.impact, 1, 3, required=False),
            "urgency": check_int_range(self.urgency, 1, 3, required=False),
            "priority_override": check_choice(
                self.priority_override, PRIORITIES, required=False
            ),
            "reason": check_text(
                self.reason,
                max_len=TEXT_MAX,
                required=self.priority_override is not None,
            ),
        }
        nothing = (self.impact, self.urgency, self.priority_override)
        if all(v is None for v in nothing):
            found["impact"] = "give impact, urgency or priority_override"
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class PutOnHold(TicketCommand):
    name: ClassVar[str] = "put_on_hold"

    reason: HoldReason
    note: str | None = None

    def problems(self) -> dict[str, str | None]:
        return {
            "reason": check_choice(self.reason, HOLD_REASONS),
            "note": check_text(self.note, max_len=TEXT_MAX, required=False),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumeTicket(TicketCommand):
    name: ClassVar[str] = "resume_ticket"

    note: str | None = None

    def problems(self) -> dict[str, str | None]:
        return {"note": check_text(self.note, max_len=TEXT_MAX, required=False)}


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalateTicket(TicketCommand):
    name: ClassVar[str] = "escalate_ticket"

    reason: str
    level: int | None = None

    def problems(self) -> dict[str, str | None]:
        return {
            "reason": check_text(self.reason, max_len=TEXT_MAX),
            "level": check_int_range(
                self.level, 1, MAX_ESCALATION_LEVEL, required=False
            ),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolveTicket(TicketCommand):
    name: ClassVar[str] = "resolve_ticket"

    resolution_code: str
    notes: str = ""

    def problems(self) -> dict[str, str | None]:
        return {
            "resolution_code": check_name(self.resolution_code),
            "notes": check_text(self.notes, max_len=TEXT_MAX, required=False),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ReopenTicket(TicketCommand):
    name: ClassVar[str] = "reopen_ticket"

    reason: str

    def problems(self) -> dict[str, str | None]:
        return {"reason": check_text(self.reason, max_len=TEXT_MAX)}


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseTicket(TicketCommand):
    name: ClassVar[str] = "close_ticket"

    note: str | None = None

    def problems(self) -> dict[str, str | None]:
        return {"note": check_text(self.note, max_len=TEXT_MAX, required=False)}


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelTicket(TicketCommand):
    name: ClassVar[str] = "cancel_ticket"

    reason: str

    def problems(self) -> dict[str, str | None]:
        return {"reason": check_text(self.reason, max_len=TEXT_MAX)}


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkTickets(TicketCommand):
    name: ClassVar[str] = "link_tickets"

    kind: LinkKind
    target_id: uuid.UUID

    def problems(self) -> dict[str, str | None]:
        target_ok = isinstance(self.target_id, uuid.UUID)
        return {
            "kind": check_choice(self.kind, LINK_KINDS),
            "target_id": None if target_ok else "must be a ticket id (UUID)",
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlinkTickets(LinkTickets):
    name: ClassVar[str] = "unlink_tickets"


@dataclass(frozen=True, slots=True, kw_only=True)
class TagTicket(TicketCommand):
    name: ClassVar[str] = "tag_ticket"

    tag: str

    def problems(self) -> dict[str, str | None]:
        return {"tag": check_name(self.tag)}


@dataclass(frozen=True, slots=True, kw_only=True)
class UntagTicket(TagTicket):
    name: ClassVar[str] = "untag_ticket"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordAutomationHalt(TicketCommand):
    """Issued by automation itself (never by people) when it refuses to act."""

    name: ClassVar[str] = "record_automation_halt"

    rule_id: str
    action: str
    reason: str

    def problems(self) -> dict[str, str | None]:
        return {
            "rule_id": check_name(self.rule_id),
            "action": check_name(self.action),
            "reason": check_text(self.reason, max_len=TEXT_MAX),
        }


#: Every command by its wire name (HTTP, command scripts, CLI).
COMMANDS: dict[str, type[Command]] = {
    cls.name: cls
    for cls in (
        OpenTicket,
        AddComment,
        RouteTicket,
        AssignTicket,
        UnassignTicket,
        ChangePriority,
        PutOnHold,
        ResumeTicket,
        EscalateTicket,
        ResolveTicket,
        ReopenTicket,
        CloseTicket,
        CancelTicket,
        LinkTickets,
        UnlinkTickets,
        TagTicket,
        UntagTicket,
    )
}
# RecordAutomationHalt is deliberately absent: only automation issues it,
# never a client (HTTP, command scripts).
