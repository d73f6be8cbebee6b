"""What a matching rule asks for: typed actions, parsed and checked at load time.

Each action kind maps to one command the rule runner will issue (route ->
RouteTicket, set_priority -> ChangePriority, assign -> AssignTicket after a
strategy picks the agent, tag -> TagTicket, escalate -> EscalateTicket) except
``webhook``, which the runner delivers itself.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, TypeAlias, get_args
from urllib.parse import urlsplit

from ticketing.commands.messages import MAX_ESCALATION_LEVEL
from ticketing.commands.validation import TEXT_MAX, check_name, check_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from ticketing.rules.directory import Directory

ActionKind = Literal["route", "set_priority", "assign", "tag", "escalate", "webhook"]
#: Every action kind, in the order decisions are reported.
ACTION_KINDS: Final[tuple[ActionKind, ...]] = get_args(ActionKind)

AssignStrategy = Literal["direct", "round_robin", "least_loaded", "skills_match"]
#: The strategies a rule may name (``direct`` is implied by giving an ``agent``).
STRATEGIES: Final[tuple[AssignStrategy, ...]] = get_args(AssignStrategy)[1:]


@dataclass(frozen=True, slots=True)
class RouteAction:
    """Move the ticket to a queue, optionally to an assignment group."""

    kind: ClassVar[ActionKind] = "route"
    queue: str
    group: str | None = None


@dataclass(frozen=True, slots=True)
class SetPriorityAction:
    """Set impact and/or urgency; the priority follows from the matrix."""

    kind: ClassVar[ActionKind] = "set_priority"
    impact: int | None = None
    urgency: int | None = None


@dataclass(frozen=True, slots=True)
class AssignAction:
    """Assign to a named agent (``direct``) or pick one with a strategy."""

    kind: ClassVar[ActionKind] = "assign"
    strategy: AssignStrategy
    group: str | None = None
    agent: str | None = None
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TagAction:
    """Add a tag."""

    kind: ClassVar[ActionKind] = "tag"
    tag: str


@dataclass(frozen=True, slots=True)
class EscalateAction:
    """Escalate, to ``level`` or else one level up."""

    kind: ClassVar[ActionKind] = "escalate"
    reason: str
    level: int | None = None


@dataclass(frozen=True, slots=True)
class WebhookAction:
    """Call a webhook (delivered by the runner, at least once, by ``name``)."""

    kind: ClassVar[ActionKind] = "webhook"
    name: str
    url: str


Action = (
    RouteAction
    | SetPriorityAction
    | AssignAction
    | TagAction
    | EscalateAction
    | WebhookAction
)


def action_params(action: Action) -> dict[str, Any]:
    """The action's parameters as JSON-able data (sets become sorted lists)."""
    out: dict[str, Any] = {}
    for spec in fields(action):
        value = getattr(action, spec.name)
        out[spec.name] = sorted(value) if isinstance(value, frozenset) else value
    return out


class _Problems:
    """Collects (key, reason) pairs; the key is dotted below the rule table."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.found: list[tuple[str, str]] = []

    def add(self, key: str | None, reason: str) -> None:
        self.found.append((f"{self.kind}.{key}" if key else self.kind, reason))


def parse_action(
    kind: ActionKind, raw: object, directory: Directory
) -> tuple[Action | None, list[tuple[str, str]]]:
    """Parse one action value; return it (or None) and every (key, reason) problem."""
    problems = _Problems(kind)
    if kind == "tag":
        tag_problem = check_name(raw)
        if tag_problem:
            problems.add(None, f"the tag {tag_problem}")
            return None, problems.found
        return TagAction(str(raw)), problems.found
    if not isinstance(raw, dict):
        problems.add(None, "must be a table, e.g. { key = value }")
        return None, problems.found
    allowed = _ALLOWED_KEYS[kind]
    for key in raw:
        if key not in allowed:
            problems.add(key, f"unknown key (allowed: {', '.join(sorted(allowed))})")
    action = _PARSERS[kind](raw, directory, problems)
    return (action if not problems.found else None), problems.found


def _name(raw: dict[str, Any], key: str, p: _Problems, *, required: bool) -> str | None:
    value = raw.get(key)
    problem = check_name(value, required=required)
    if problem:
        p.add(key, f"{key} {problem}")
        return None
    return value if isinstance(value, str) else None


def _level(
    raw: dict[str, Any], key: str, low: int, high: int, p: _Problems
) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        p.add(key, f"{key} must be a whole number from {low} to {high}")
        return None
    return value


def _known_group(group: str | None, key: str, d: Directory, p: _Problems) -> None:
    if group is not None and group not in d.groups:
        p.add(key, f"unknown group {group!r}")


def _route(raw: dict[str, Any], d: Directory, p: _Problems) -> Action:
    queue = _name(raw, "queue", p, required=True)
    if queue is not None and queue not in d.queues:
        close = difflib.get_close_matches(queue, sorted(d.queues), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        p.add(
            "queue",
            f"unknown queue {queue!r} ({hint}declare queues in queues = [...])",
        )
    group = _name(raw, "group", p, required=False)
    _known_group(group, "group", d, p)
    return RouteAction(queue or "", group)


def _set_priority(raw: dict[str, Any], d: Directory, p: _Problems) -> Action:
    impact = _level(raw, "impact", 1, 3, p)
    urgency = _level(raw, "urgency", 1, 3, p)
    if "impact" not in raw and "urgency" not in raw:
        p.add(None, "give impact and/or urgency (1-3)")
    return SetPriorityAction(impact, urgency)


def _assign(raw: dict[str, Any], d: Directory, p: _Problems) -> Action:
    group = _name(raw, "group", p, required=False)
    _known_group(group, "group", d, p)
    if "agent" in raw:
        return _assign_direct(raw, group, d, p)
    strategy = raw.get("strategy")
    if strategy not in STRATEGIES:
        p.add("strategy", f"give an agent, or a strategy: {', '.join(STRATEGIES)}")
        return AssignAction("direct")
    if group is None and "group" not in raw:
        p.add(None, f"strategy {strategy} needs a group")
    skills = _skills(raw, strategy, p)
    if strategy == "skills_match" and skills and group is not None:
        holders = [a for a in d.members_of(group) if skills <= a.skills]
        if group in d.groups and not holders:
            p.add("skills", f"no member of group {group!r} has all of these skills")
    return AssignAction(strategy, group, None, skills)


def _assign_direct(
    raw: dict[str, Any], group: str | None, d: Directory, p: _Problems
) -> Action:
    if "strategy" in raw or "skills" in raw:
        p.add(None, "give either an agent or a strategy (with skills), not both")
    agent = _name(raw, "agent", p, required=True)
    known_group = d.groups.get(group) if group is not None else None
    if agent is not None and agent not in d.agents:
        p.add("agent", f"unknown agent {agent!r}")
    elif agent is not None and known_group and agent not in known_group.members:
        p.add("agent", f"agent {agent!r} is not a member of group {group!r}")
    return AssignAction("direct", group, agent)


def _skills(raw: dict[str, Any], strategy: str, p: _Problems) -> frozenset[str]:
    value = raw.get("skills")
    if strategy != "skills_match":
        if value is not None:
            p.add("skills", "skills are only used by the skills_match strategy")
        return frozenset()
    if not isinstance(value, list) or not value or any(check_name(s) for s in value):
        p.add("skills", "skills_match needs a non-empty list of skill names")
        return frozenset()
    return frozenset(value)


def _escalate(raw: dict[str, Any], d: Directory, p: _Problems) -> Action:
    reason = raw.get("reason")
    problem = check_text(reason, max_len=TEXT_MAX)
    if problem:
        p.add("reason", f"reason {problem}")
    level = _level(raw, "level", 1, MAX_ESCALATION_LEVEL, p)
    return EscalateAction(reason if isinstance(reason, str) else "", level)


def _webhook(raw: dict[str, Any], d: Directory, p: _Problems) -> Action:
    name = _name(raw, "name", p, required=True)
    url = raw.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        p.add("url", "url must be an absolute http(s) URL")
    elif parts.username or parts.password:
        p.add("url", "url must not embed credentials")
    return WebhookAction(name or "", url if isinstance(url, str) else "")


_ALLOWED_KEYS: Final[dict[ActionKind, frozenset[str]]] = {
    "route": frozenset({"queue", "group"}),
    "set_priority": frozenset({"impact", "urgency"}),
    "assign": frozenset({"agent", "group", "strategy", "skills"}),
    "tag": frozenset(),
    "escalate": frozenset({"reason", "level"}),
    "webhook": frozenset({"name", "url"}),
}
_Parser: TypeAlias = "Callable[[dict[str, Any], Directory, _Problems], Action]"
_PARSERS: Final[dict[ActionKind, _Parser]] = {
    "route": _route,
    "set_priority": _set_priority,
    "assign": _assign,
    "escalate": _escalate,
    "webhook": _webhook,
}
