"""What a log check found: one broken link, gap or seal mismatch, named precisely."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

Check = Literal["chain", "versions", "seal"]
Kind = Literal[
    "edited",
    "deleted",
    "inserted",
    "reordered",
    "version_gap",
    "truncated",
    "rewritten",
]

#: Every finding kind, with the check that reports it (documented in docs/event-log.md).
KINDS: Final[dict[Kind, Check]] = {
    "edited": "chain",
    "deleted": "chain",
    "inserted": "chain",
    "reordered": "chain",
    "version_gap": "versions",
    "truncated": "seal",
    "rewritten": "seal",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: the event ``position`` it is about, and expected vs found values.

    ``details`` carries kind-specific context (``detected_at``, ``missing_from`` /
    ``missing_to``, ``swapped_with``, ``belongs_after``, ``duplicate_of``, ...).
    """

    check: Check
    kind: Kind
    position: int
    expected: str | int | None
    found: str | int | None
    message: str
    details: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "check": self.check,
            "kind": self.kind,
            "position": self.position,
            "expected": self.expected,
            "found": self.found,
            "message": self.message,
            "details": dict(self.details),
        }
