"""SLA policy files: ``policies/data/sla/<version>.toml`` -> SlaPolicy.

Checks every field, that each named calendar exists, and the ordering law,
before anything is built: a bad file raises a PolicyError naming the file, the
field and what is wrong.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

from ticketing.aggregates.vocabulary import (
    HOLD_REASONS,
    PRIORITIES,
    TICKET_TYPES,
    HoldReason,
    Priority,
    TicketType,
)
from ticketing.errors import PolicyError
from ticketing.policies.calendar_file import PUBLISHED_CALENDARS
from ticketing.policies.policy_file import (
    check_keys,
    optional_text,
    parse_duration,
    read_versioned_file,
    require_table,
    require_text,
)
from ticketing.policies.sla import (
    DEFAULT_PAUSING_HOLD_REASONS,
    DEFAULT_THRESHOLDS,
    METRICS,
    PRIORITY_CHANGE_MODES,
    REOPEN_MODES,
    Metric,
    SlaPolicy,
    Target,
    TargetKey,
    ordering_problems,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ticketing.policies.calendar import Calendar

DATA_DIR: Final = Path(__file__).parent / "data" / "sla"
DEFAULT_SLA_VERSION: Final = "default-v1"
_KEYS: Final = (
    "version",
    "description",
    "pausing_hold_reasons",
    "priority_change",
    "reopen",
    "thresholds",
    "targets",
    "overrides",
)
_MAX_THRESHOLD: Final = 1000
_Option = TypeVar("_Option", bound=str)


def parse_sla_policy(
    raw: Mapping[str, Any], source: str, calendars: Mapping[str, Calendar]
) -> SlaPolicy:
    """Validate a decoded SLA policy file against the known calendars."""
    check_keys(raw, _KEYS, source)
    version = require_text(raw, "version", source, "version")
    reader = _TargetReader(source, calendars)
    defaults = require_table(raw, "targets", source, "targets")
    check_keys(defaults, PRIORITIES, source, "targets")
    targets: dict[TargetKey, Target] = {}
    for priority in PRIORITIES:
        where = f"targets.{priority}"
        table = require_table(defaults, priority, source, where)
        for metric, target in reader.read(table, where, required=True).items():
            for ticket_type in TICKET_TYPES:
                targets[ticket_type, priority, metric] = target
    targets.update(_parse_overrides(raw.get("overrides", {}), reader))
    policy = SlaPolicy(
        version=version,
        targets=MappingProxyType(targets),
        pausing_hold_reasons=_parse_reasons(raw, source),
        priority_change=_choice(raw, "priority_change", PRIORITY_CHANGE_MODES, source),
        reopen=_choice(raw, "reopen", REOPEN_MODES, source),
        thresholds=_parse_thresholds(raw, source),
        description=optional_text(raw, "description", source),
    )
    problems = ordering_problems(policy, calendars)
    if problems:
        raise PolicyError.at(source, "targets", problems[0], problems=problems)
    return policy


def load_sla_policy(
    version: str = DEFAULT_SLA_VERSION,
    calendars: Mapping[str, Calendar] = PUBLISHED_CALENDARS,
) -> SlaPolicy:
    """Load a published SLA policy version from the package data."""
    raw = read_versioned_file(DATA_DIR, version, "SLA policy")
    return parse_sla_policy(raw, str(DATA_DIR / f"{version}.toml"), calendars)


def published_sla_versions() -> tuple[str, ...]:
    """Every SLA policy version shipped as package data."""
    return tuple(sorted(p.stem for p in DATA_DIR.glob("*.toml")))


class _TargetReader:
    """Reads ``{response = {...}, resolution = {...}}`` tables of one file."""

    def __init__(self, source: str, calendars: Mapping[str, Calendar]) -> None:
        self.source, self.calendars = source, calendars

    def read(
        self, table: Mapping[str, Any], where: str, *, required: bool
    ) -> dict[Metric, Target]:
        check_keys(table, METRICS, self.source, where)
        found: dict[Metric, Target] = {}
        for metric in METRICS:
            if metric not in table and not required:
                continue
            found[metric] = self._target(table, metric, f"{where}.{metric}")
        return found

    def _target(self, table: Mapping[str, Any], metric: str, where: str) -> Target:
        entry = require_table(table, metric, self.source, where)
        check_keys(entry, ("within", "calendar"), self.source, where)
        within = parse_duration(entry.get("within"), self.source, f"{where}.within")
        calendar = require_text(entry, "calendar", self.source, f"{where}.calendar")
        if calendar not in self.calendars:
            reason = f"unknown calendar {calendar!r}"
            raise PolicyError.at(self.source, f"{where}.calendar", reason)
        return Target(within=within, calendar=calendar)


def _parse_overrides(raw: object, reader: _TargetReader) -> dict[TargetKey, Target]:
    source = reader.source
    if not isinstance(raw, dict):
        raise PolicyError.at(source, "overrides", "a table per ticket type is required")
    check_keys(raw, TICKET_TYPES, source, "overrides")
    targets: dict[TargetKey, Target] = {}
    for type_name, per_priority in raw.items():
        ticket_type = cast("TicketType", type_name)
        where = f"overrides.{ticket_type}"
        if not isinstance(per_priority, dict):
            raise PolicyError.at(source, where, "a table per priority is required")
        check_keys(per_priority, PRIORITIES, source, where)
        for priority_name in per_priority:
            priority = cast("Priority", priority_name)
            table = require_table(per_priority, priority, source, f"{where}.{priority}")
            found = reader.read(table, f"{where}.{priority}", required=False)
            if not found:
                reason = "an override needs a response or a resolution target"
                raise PolicyError.at(source, f"{where}.{priority}", reason)
            for metric, target in found.items():
                targets[ticket_type, priority, metric] = target
    return targets


def _parse_reasons(raw: Mapping[str, Any], source: str) -> frozenset[HoldReason]:
    value = raw.get("pausing_hold_reasons")
    if value is None:
        return DEFAULT_PAUSING_HOLD_REASONS
    if not isinstance(value, list):
        raise PolicyError.at(source, "pausing_hold_reasons", "a list is required")
    for reason in value:
        if reason not in HOLD_REASONS:
            why = f"{reason!r} is not one of {', '.join(HOLD_REASONS)}"
            raise PolicyError.at(source, "pausing_hold_reasons", why)
    if len(set(value)) != len(value):
        raise PolicyError.at(source, "pausing_hold_reasons", "a reason is listed twice")
    return frozenset(cast("list[HoldReason]", value))


def _choice(
    raw: Mapping[str, Any], key: str, options: tuple[_Option, ...], source: str
) -> _Option:
    value = raw.get(key, options[0])
    if value not in options:
        raise PolicyError.at(
            source, key, f"{value!r} is not one of {', '.join(options)}"
        )
    return cast("_Option", value)


def _parse_thresholds(raw: Mapping[str, Any], source: str) -> tuple[int, ...]:
    value = raw.get("thresholds", list(DEFAULT_THRESHOLDS))
    if not isinstance(value, list) or not all(
        type(v) is int and 0 < v <= _MAX_THRESHOLD for v in value
    ):
        reason = f"a list of whole percentages 1-{_MAX_THRESHOLD} is required"
        raise PolicyError.at(source, "thresholds", reason)
    if any(b <= a for a, b in pairwise(value)):
        raise PolicyError.at(source, "thresholds", "must be strictly increasing")
    return tuple(value)
