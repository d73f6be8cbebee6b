"""Rule sets and their results: frozen values shared by loader, evaluator and runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from ticketing.automation.limits import MAX_CHAIN_DEPTH
from ticketing.rules.actions import Action, ActionKind, action_params

if TYPE_CHECKING:
    from ticketing.rules.expressions import Condition

#: What made the runner evaluate: a ticket was opened, any other ticket event,
#: or a scheduler tick (for age, idle time and SLA percentage).
Trigger = Literal["opened", "changed", "time"]
TRIGGERS: Final[tuple[Trigger, ...]] = get_args(Trigger)
#: Rules without ``on`` act when a ticket is opened, and only then.
DEFAULT_TRIGGERS: Final[frozenset[Trigger]] = frozenset({"opened"})
#: How many rounds of rule-made changes may follow one outside change: the
#: automation processor's bound; a rule set may only ask for a tighter one.
DEFAULT_MAX_CHAIN_DEPTH: Final = MAX_CHAIN_DEPTH
MAX_CHAIN_DEPTH_LIMIT: Final = MAX_CHAIN_DEPTH


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: when ``condition`` holds on a listed trigger, propose ``actions``."""

    id: str
    description: str
    triggers: frozenset[Trigger]
    condition: Condition
    actions: tuple[Action, ...]
    line: int

    @property
    def kinds(self) -> frozenset[ActionKind]:
        return frozenset(a.kind for a in self.actions)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A published (or candidate) rule set; ``digest`` is the SHA-256 of its text.

    ``queues`` are the queues the file declares (its routes may use these and
    the directory's); ``max_chain_depth`` feeds the automation processor's
    loop bound (it can only tighten it).
    """

    version: str
    description: str
    source: str
    digest: str
    max_chain_depth: int
    rules: tuple[Rule, ...]
    queues: frozenset[str] = frozenset()

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True, slots=True)
class Decision:
    """The first matching rule's action for one action kind, with its provenance."""

    kind: ActionKind
    rule_id: str
    rule_set_version: str
    action: Action

    @property
    def params(self) -> dict[str, Any]:
        return action_params(self.action)


@dataclass(frozen=True, slots=True)
class RuleFailure:
    """A rule whose condition could not be evaluated on these facts (no match)."""

    rule_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """All decisions for one ticket at one instant, at most one per action kind.

    ``depth`` is the chain depth of the triggering event, carried for the
    runner: the loop bound itself is enforced by the automation processor.
    """

    rule_set_version: str
    trigger: Trigger
    depth: int
    decisions: tuple[Decision, ...]
    failures: tuple[RuleFailure, ...] = ()

    def decision(self, kind: ActionKind) -> Decision | None:
        return next((d for d in self.decisions if d.kind == kind), None)
