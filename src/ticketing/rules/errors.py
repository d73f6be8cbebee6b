"""The error a rejected rule file raises: each problem with file, rule and line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ticketing.errors import PolicyError

if TYPE_CHECKING:
    from collections.abc import Sequence


def rule_problem(
    source: str, line: int, rule: str | None, field: str, reason: str
) -> PolicyError:
    """One problem: ``rule`` is the rule id (or ``#n`` when it has none)."""
    where = f"rule {rule}: " if rule else ""
    return PolicyError(
        f"{source}:{line}: {where}{field}: {reason}",
        {
            "file": source,
            "line": line,
            "rule_id": rule,
            "field": field,
            "reason": reason,
        },
    )


class RuleSetError(PolicyError):
    """A rule file was rejected as a whole; ``problems`` lists each reason found."""

    code = "invalid_rule_set"

    def __init__(self, source: str, problems: Sequence[PolicyError]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p.message}" for p in self.problems)
        super().__init__(
            f"{source}: rule set rejected, {count} problem(s):\n{lines}",
            {"file": source, "problems": [p.details for p in self.problems]},
        )

    def __str__(self) -> str:
        return self.message
