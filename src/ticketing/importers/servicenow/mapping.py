"""Value mappings from ServiceNow to the ticket domain (see docs/servicenow-import.md).

States: New and Active are open (the engine derives new/in progress from
assignment); the four Awaiting states are holds (Awaiting Evidence waits on the
caller, so it maps to ``awaiting_caller``); Resolved and Closed map directly.
Impact and urgency ``1 - High``..``3 - Low`` are the engine's 1..3; the
source's 4-level priority ``N - ...`` maps to ``PN`` and is kept as an
override whenever the engine's matrix would say otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from ticketing.aggregates.vocabulary import HoldReason, Priority
    from ticketing.policies.priority import PriorityMatrix

Phase = Literal["open", "hold", "resolved", "closed"]

#: Queue of incidents whose assignment group is empty (``?``).
UNASSIGNED_QUEUE: Final = "unassigned"
#: Resolution code when the source has none.
UNKNOWN_CODE: Final = "unknown"


@dataclass(frozen=True, slots=True)
class TargetState:
    phase: Phase
    hold_reason: HoldReason | None = None


STATES: Final[dict[str, TargetState]] = {
    "New": TargetState("open"),
    "Active": TargetState("open"),
    "Awaiting User Info": TargetState("hold", "awaiting_caller"),
    "Awaiting Vendor": TargetState("hold", "awaiting_vendor"),
    "Awaiting Problem": TargetState("hold", "awaiting_problem"),
    # Evidence is asked of the caller (proof of the fault or that the fix works).
    "Awaiting Evidence": TargetState("hold", "awaiting_caller"),
    "Resolved": TargetState("resolved"),
    "Closed": TargetState("closed"),
}

_LEVEL_RE: Final = re.compile(r"^\s*([1-4])\s*-")
_SLUG_RE: Final = re.compile(r"[^A-Za-z0-9]+")


def target_state(value: str | None) -> TargetState | None:
    """The engine state for a source state; None when unknown (e.g. ``-100``)."""
    return STATES.get(value) if value is not None else None


def level(value: str | None, highest: int) -> int | None:
    """``"2 - Medium"`` -> 2; None when missing or outside 1..highest."""
    if value is None:
        return None
    found = _LEVEL_RE.match(value)
    if found is None or int(found.group(1)) > highest:
        return None
    return int(found.group(1))


def source_priority(value: str | None) -> Priority | None:
    """``"1 - Critical"``..``"4 - Low"`` -> P1..P4."""
    found = level(value, 4)
    priorities: tuple[Priority, ...] = ("P1", "P2", "P3", "P4")
    return None if found is None else priorities[found - 1]


@dataclass(frozen=True, slots=True)
class PriorityFields:
    """impact/urgency (1-3) and the override needed to keep the source priority."""

    impact: int
    urgency: int
    priority: Priority
    override: Priority | None
    reason: str | None

    @property
    def engine(self) -> tuple[int, int, Priority, bool]:
        return (self.impact, self.urgency, self.priority, self.override is not None)


def priority_fields(
    impact: int, urgency: int, raw_priority: str | None, matrix: PriorityMatrix
) -> PriorityFields:
    computed = matrix.priority_for(impact, urgency)
    wanted = source_priority(raw_priority)
    if wanted is None or wanted == computed:
        return PriorityFields(impact, urgency, computed, None, None)
    reason = (
        f"ServiceNow priority {raw_priority!r} kept; matrix {matrix.version} "
        f"gives {computed} for impact {impact}, urgency {urgency}"
    )
    return PriorityFields(impact, urgency, wanted, wanted, reason)


def slug(value: str) -> str:
    """A key-safe name: ``"Problem ID  2"`` -> ``"problem-id-2"``."""
    return _SLUG_RE.sub("-", value).strip("-").lower()[:48] or "x"


def channel(value: str | None) -> str:
    return slug(value).replace("-", "_") if value else "unknown"
