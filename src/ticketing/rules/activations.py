"""Which rule set is in force when: activations of kind "rules", folded from the log.

An activation (``PolicyTrack.Activated``) carries the rule file's text; it is
parsed against the directory as the log stood at that point. The rule set in
force at an instant is the activation with the latest ``effective_from`` not
after that instant (ties: the later activation). A scheduled activation thus
takes over when its time comes, whatever was activated in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ticketing.rules.errors import RuleSetError, rule_problem
from ticketing.rules.loader import parse_rule_set

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from ticketing.rules.directory import Directory
    from ticketing.rules.model import RuleSet

RULES_KIND: Final = "rules"


def parse_rule_documents(documents: Mapping[str, str], directory: Directory) -> RuleSet:
    """The rule set in an activation's documents: exactly one TOML file."""
    if len(documents) != 1:
        names = ", ".join(sorted(documents)) or "none"
        reason = f"a rule-set activation holds exactly one file (got: {names})"
        problem = rule_problem("documents", 1, None, "documents", reason)
        raise RuleSetError("documents", [problem])
    ((name, text),) = documents.items()
    return parse_rule_set(text, name, directory)


@dataclass(frozen=True, slots=True)
class Activation:
    """One recorded activation; ``rule_set`` is None if it could not be parsed."""

    version: str
    effective_from: datetime
    position: int
    sha256: str
    rule_set: RuleSet | None
    problem: str | None = None


@dataclass(slots=True)
class Timeline:
    """Every activation seen so far, in log order."""

    activations: list[Activation] = field(default_factory=list)

    def add(self, activation: Activation) -> None:
        self.activations.append(activation)

    def in_force(self, at: datetime) -> Activation | None:
        """The usable activation in force at ``at`` (None before the first)."""
        best: Activation | None = None
        for a in self.activations:
            if a.rule_set is None or a.effective_from > at:
                continue
            if best is None or a.effective_from >= best.effective_from:
                best = a
        return best

    def rule_set_at(self, at: datetime) -> RuleSet | None:
        found = self.in_force(at)
        return None if found is None else found.rule_set

    def rule_set(self, version: str) -> RuleSet | None:
        """The parsed rule set of ``version`` (its latest usable activation)."""
        for a in reversed(self.activations):
            if a.version == version and a.rule_set is not None:
                return a.rule_set
        return None
