"""Preview: what a candidate rule set would have decided differently, over history.

Read-only and counterfactual. The whole log is replayed in memory; at every
trigger point (a ticket event automation reacts to) the candidate is
evaluated in the situation the rules processor had there (``rules.view``),
and its outcome is compared with what the processor actually recorded for
that trigger. Follow-on effects are *not* simulated: every trigger point is
judged against the actual history, so one different routing shows up once,
where it would have happened, and later triggers are judged on the ticket as
it really was (their depth tells which ones automation itself caused). A
candidate decision equal to the one the rule set in force made there is never
a difference, even if executing it was refused (the ticket had moved on).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.automation.limits import MAX_CHAIN_DEPTH
from ticketing.rules.compare import (
    KINDS,
    applied_kinds,
    decided_changes,
    diverge,
)
from ticketing.rules.decide import plan
from ticketing.rules.reactor import PROCESSOR_KEY
from ticketing.rules.situation import situation_at, trigger_of
from ticketing.rules.tickets import TicketCache
from ticketing.rules.view import RulesView

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ticketing.policies.priority import PriorityMatrix
    from ticketing.projections.base import LogEvent
    from ticketing.rules.decide import Plan
    from ticketing.rules.model import RuleSet
    from ticketing.rules.view import LogReader

COUNTERFACTUAL_NOTE = (
    "COUNTERFACTUAL: what the candidate rule set would have decided at each "
    "trigger point of the recorded history, compared with what automation "
    "actually did there. Nothing was changed or recorded."
)


@dataclass(frozen=True, slots=True)
class Difference:
    """One trigger point where the candidate's outcome differs from the actual one."""

    position: int
    ticket_id: str
    number: str
    event: str
    trigger: str
    depth: int
    in_force: str | None
    kind: str
    actual: dict[str, Any]
    candidate: dict[str, Any]
    candidate_rule: str | None
    actual_rule: str | None
    text: str

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class PreviewReport:
    """Summary counts and every difference, in log order."""

    candidate: str
    source: str
    sha256: str
    head: int
    tickets: int = 0
    trigger_points: int = 0
    imported_skipped: int = 0
    halted: int = 0
    not_comparable: int = 0
    failures: int = 0
    webhooks: int = 0
    in_force: Counter[str] = field(default_factory=Counter)
    differences: list[Difference] = field(default_factory=list)

    @property
    def by_kind(self) -> dict[str, int]:
        return dict(Counter(d.kind for d in self.differences))

    @property
    def tickets_with_differences(self) -> int:
        return len({d.ticket_id for d in self.differences})

    def as_json(self) -> dict[str, Any]:
        return {
            "counterfactual": True,
            "note": COUNTERFACTUAL_NOTE,
            "candidate": {
                "version": self.candidate,
                "file": self.source,
                "sha256": self.sha256,
            },
            "summary": {
                "log_head": self.head,
                "tickets": self.tickets,
                "trigger_points": self.trigger_points,
                "imported_skipped": self.imported_skipped,
                "halted_by_depth": self.halted,
                "not_comparable": self.not_comparable,
                "rule_failures": self.failures,
                "candidate_webhook_calls": self.webhooks,
                "in_force": dict(self.in_force),
                "differences": len(self.differences),
                "differences_by_kind": self.by_kind,
                "tickets_with_differences": self.tickets_with_differences,
            },
            "differences": [d.as_json() for d in self.differences],
        }


def preview(
    reader: LogReader,
    candidate: RuleSet,
    matrix: PriorityMatrix,
    *,
    include_imports: bool = False,
) -> PreviewReport:
    """Replay the log (read-only) under ``candidate``; see the module docstring.

    ``include_imports`` also evaluates events recorded by imports (which live
    automation never reacts to, so nothing "actually" happened there).
    """
    return _Replay(reader, candidate, matrix, include_imports=include_imports).run()


class _Replay:
    def __init__(
        self,
        reader: LogReader,
        candidate: RuleSet,
        matrix: PriorityMatrix,
        *,
        include_imports: bool,
    ) -> None:
        self.candidate, self.matrix = candidate, matrix
        self.include_imports = include_imports
        self.head = reader.head()
        self.report = PreviewReport(
            candidate.version, candidate.source, candidate.digest, self.head
        )
        self.view = RulesView(
            reader,
            PROCESSOR_KEY,
            page=2000,
            keep_effects=True,
            tickets=TicketCache(limit=None),
        )

    def run(self) -> PreviewReport:
        self.view.discover(self.head)
        while self.view.position < self.head:
            log = self.view.step()
            if log is None:
                break
            if not isinstance(log.event, TicketEvent):
                continue
            ticket = self.view.tickets.get(log.originator_id, log.version)
            if ticket is not None:
                self.trigger_point(log, ticket)
            if isinstance(log.event, Ticket.Closed | Ticket.Canceled):
                self.view.tickets.drop(log.originator_id)
        self.report.tickets = self.view.state.opened
        return self.report

    def trigger_point(self, log: LogEvent, ticket: Ticket) -> None:
        report, view, event = self.report, self.view, log.event
        imported = event.meta.actor.kind == "import"
        if trigger_of(log) is None and not (imported and self.include_imports):
            report.imported_skipped += imported
            return
        report.trigger_points += 1
        in_force = view.state.timeline.in_force(event.timestamp)
        report.in_force[in_force.version if in_force else "(none)"] += 1
        situation = situation_at(view, log, ticket, self.candidate)
        decided = plan(self.candidate, situation, self.matrix)
        report.failures += len(decided.evaluation.failures)
        limit = min(MAX_CHAIN_DEPTH, self.candidate.max_chain_depth)
        halted = situation.depth >= limit
        report.halted += halted and bool(decided.steps)
        if not halted:
            report.webhooks += sum(1 for s in decided.steps if s.command is None)
        actual = (view.effects or {}).pop((log.originator_id, log.version), [])
        divergences = diverge(situation.facts, None if halted else decided, actual)
        if divergences and not imported:
            # the same decision as the rule set in force is no difference; and
            # where its decision was refused when executed (a person changed
            # the ticket first), what the candidate's would have met is unknown
            same, refused = self.judged_by_in_force(
                log, ticket, None if halted else decided, actual
            )
            report.not_comparable += sum(
                1 for d in divergences if d.kind in refused - same
            )
            divergences = [d for d in divergences if d.kind not in same | refused]
        for d in divergences:
            report.differences.append(
                Difference(
                    position=log.position,
                    ticket_id=str(log.originator_id),
                    number=ticket.number,
                    event=log.event_type,
                    trigger=situation.trigger,
                    depth=situation.depth,
                    in_force=in_force.version if in_force else None,
                    kind=d.kind,
                    actual=d.actual,
                    candidate=d.candidate,
                    candidate_rule=d.candidate_rule,
                    actual_rule=d.actual_rule,
                    text=d.text,
                )
            )

    def judged_by_in_force(
        self,
        log: LogEvent,
        ticket: Ticket,
        candidate: Plan | None,
        actual: Sequence[LogEvent],
    ) -> tuple[set[str], set[str]]:
        """Kinds decided as the rule set in force did there, and kinds where
        its decision was not applied (refused when executed)."""
        rule_set = self.view.state.timeline.rule_set_at(log.event.timestamp)
        if rule_set is None:
            return set(), set()
        situation = situation_at(self.view, log, ticket, rule_set)
        limit = min(MAX_CHAIN_DEPTH, rule_set.max_chain_depth)
        in_force = None
        if situation.depth < limit:
            in_force = plan(rule_set, situation, self.matrix)
        mine, theirs = decided_changes(candidate), decided_changes(in_force)
        same = {kind for kind in KINDS if mine.get(kind) == theirs.get(kind)}
        refused = set(theirs) - applied_kinds(actual)
        return same, refused
