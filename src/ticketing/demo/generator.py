"""Generate a realistic synthetic history as command-script steps (pure, seeded).

Arrivals follow office hours (Monday to Friday, 08:00-18:00 in the demo's
zone) with some P1 incidents at night or at the weekend; every ticket is
routed by category, assigned within its group and then lives a plausible life:
comments, holds with each of the four reasons, priority changes, escalations,
links from incidents to problems, cancels, resolves, reopens and closes. Same
seed, same steps: the only source of chance is ``random.Random(seed)``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ticketing.commands.script import ScriptStep
from ticketing.demo import catalog as cat
from ticketing.demo.texts import COMMENTS, REPLIES, internal_note

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ticketing.aggregates.envelope import Actor

ZONE = ZoneInfo(cat.ZONE)
WORK_MINUTES = {"P1": (60, 300), "P2": (240, 960), "P3": (600, 2880)}
SLOW_WORK = (1440, 5760)
NORMAL_GAP = 40.0
OFFICE_MINUTES_A_YEAR = 250 * 600


def pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def in_office(at: datetime) -> datetime:
    """``at``, or the next opening of the office when it is closed."""
    local = at.astimezone(ZONE)
    start, end = cat.OFFICE_HOURS
    while local.weekday() >= 5 or local.hour >= end or local.hour < start:
        if local.hour >= end or local.weekday() >= 5:
            local = datetime.combine(local.date() + timedelta(days=1), time(start))
            local = local.replace(tzinfo=ZONE)
        else:
            local = local.replace(hour=start, minute=0, second=0, microsecond=0)
    return local.astimezone(at.tzinfo)


@dataclass
class _Life:
    """The steps of one ticket, each no earlier than the previous one."""

    key: str
    kind: str
    category: cat.Category
    agent: Actor
    opener: Actor
    urgent: bool
    at: datetime
    steps: list[ScriptStep] = field(default_factory=list)

    def later(self, rng: random.Random, low: float, high: float) -> datetime:
        self.at = self.at + timedelta(minutes=rng.uniform(low, high))
        if not self.urgent:
            self.at = in_office(self.at)
        self.at = self.at.replace(microsecond=0)
        return self.at

    def add(self, who: Actor, command: str, **args: Any) -> None:
        extra = {
            k: args.pop(k)
            for k in ("target", "rule_id", "rule_set_version")
            if k in args
        }
        self.steps.append(
            ScriptStep(
                line=0,
                at=self.at,
                actor=who,
                command=command,
                args=args,
                ticket=None if command == "open_ticket" else f"@{self.key}",
                key=self.key if command == "open_ticket" else None,
                **extra,
            )
        )


@dataclass
class DemoGenerator:
    """Steps for ``tickets`` tickets from ``start`` (a Monday morning is best)."""

    tickets: int
    seed: int
    start: datetime
    problems: dict[str, list[tuple[str, datetime]]] = field(default_factory=dict)

    def generate(self) -> list[ScriptStep]:
        rng = random.Random(self.seed)  # noqa: S311 - reproducible demo data
        arrival = in_office(self.start)
        lives: list[_Life] = []
        gap = self.mean_gap_minutes()
        for n in range(1, self.tickets + 1):
            arrival = in_office(arrival + timedelta(minutes=rng.expovariate(1 / gap)))
            lives.append(self._ticket(rng, n, arrival.replace(microsecond=0)))
        horizon = arrival + timedelta(days=1)
        steps = [s for life in lives for s in life.steps if s.at <= horizon]
        return [ScriptStep(**{**_fields(s), "line": i}) for i, s in enumerate(steps, 1)]

    def mean_gap_minutes(self) -> float:
        """About 15 arrivals a day; more for big demos, so they span a year at most."""
        return min(NORMAL_GAP, OFFICE_MINUTES_A_YEAR / self.tickets)

    def _ticket(self, rng: random.Random, n: int, arrival: datetime) -> _Life:
        kind = pick(rng, cat.TYPES)
        category = rng.choice(cat.CATEGORIES)
        impact, urgency = pick(rng, cat.IMPACT_URGENCY)
        urgent = kind == "incident" and (impact, urgency) == (1, 1)
        if urgent and rng.random() < 0.6:  # P1s also arrive at night and weekends
            arrival += timedelta(hours=rng.uniform(10, 14))
        agent = cat.agent(rng.choice(category.agents))
        opener = (
            agent
            if kind in ("problem", "change")
            else cat.requester(rng.choice(cat.REQUESTERS))
        )
        life = _Life(
            key=f"t{n:05d}",
            kind=kind,
            category=category,
            agent=agent,
            opener=opener,
            urgent=urgent,
            at=arrival,
        )
        life.add(
            opener,
            "open_ticket",
            type=kind,
            title=rng.choice(category.titles),
            description=f"Reported via the demo ({category.name}).",
            impact=impact,
            urgency=urgency,
            requester_id=opener.id,
            channel=pick(rng, cat.CHANNELS),
            category=category.name,
        )
        life.later(rng, 1, 3)
        life.add(
            cat.ROUTER,
            "route_ticket",
            queue=category.queue,
            group=category.queue,
            rule_id=f"route-{category.name}",
            rule_set_version=cat.ROUTING_RULES,
        )
        life.later(rng, 2, 10) if urgent else life.later(rng, 5, 90)
        life.add(
            cat.DISPATCHER, "assign_ticket", agent_id=agent.id, group=category.queue
        )
        if kind == "problem":
            self.problems.setdefault(category.name, []).append((life.key, life.at))
        self._work(rng, life)
        return life

    def _work(self, rng: random.Random, life: _Life) -> None:
        kind, agent, opener = life.kind, life.agent, life.opener
        known = [
            p for p in self.problems.get(life.category.name, []) if p[0] != life.key
        ]
        if kind == "incident" and known and rng.random() < 0.35:
            life.later(rng, 10, 120)
            life.add(agent, "link_tickets", kind="problem", target=f"@{known[-1][0]}")
        if rng.random() < 0.12:
            life.later(rng, 10, 240)
            pair = pick(
                rng,
                [
                    p
                    for p in cat.IMPACT_URGENCY
                    if p[0][0] != life.steps[0].args["impact"]
                ],
            )
            life.add(
                agent,
                "change_priority",
                impact=pair[0],
                urgency=pair[1],
                reason="impact re-assessed after triage",
            )
        for _ in range(rng.randint(0, 3)):
            life.later(rng, 10, 240)
            if rng.random() < 0.3:
                life.add(
                    agent, "add_comment", body=internal_note(rng), visibility="internal"
                )
            elif rng.random() < 0.5 and opener.role == "requester":
                life.add(opener, "add_comment", body=rng.choice(REPLIES))
            else:
                life.add(agent, "add_comment", body=rng.choice(COMMENTS))
        if rng.random() < 0.25:
            self._hold(rng, life)
        if rng.random() < 0.08:
            life.later(rng, 30, 480)
            life.add(
                cat.DISPATCHER, "escalate_ticket", reason="no progress within target"
            )
        if kind != "problem" and rng.random() < 0.04:
            life.later(rng, 30, 600)
            life.add(opener, "cancel_ticket", reason="no longer needed")
            return
        self._resolve(rng, life)

    def _hold(self, rng: random.Random, life: _Life) -> None:
        agent, opener = life.agent, life.opener
        reason = pick(rng, cat.HOLD_REASONS)
        life.later(rng, 10, 180)
        life.add(agent, "put_on_hold", reason=reason, note=f"waiting ({reason})")
        life.later(rng, 60, 2880)
        if reason == "awaiting_caller" and opener.role == "requester":
            life.add(opener, "add_comment", body=rng.choice(REPLIES))
        life.add(agent, "resume_ticket", note="back in progress")

    def _resolve(self, rng: random.Random, life: _Life) -> None:
        kind, agent, opener = life.kind, life.agent, life.opener
        priority = {1: "P1", 2: "P2"}.get(life.steps[0].args["impact"], "P3")
        low, high = WORK_MINUTES.get(priority, SLOW_WORK)
        life.later(rng, low, high * (3 if kind == "problem" else 1))
        life.add(
            agent,
            "resolve_ticket",
            resolution_code=rng.choice(cat.RESOLUTION_CODES),
            notes="see the comments for details",
        )
        if rng.random() < 0.08 and opener.role == "requester":
            life.later(rng, 120, 2880)
            life.add(opener, "reopen_ticket", reason="the problem is back")
            life.later(rng, 60, 1440)
            life.add(
                agent, "resolve_ticket", resolution_code="fixed", notes="fixed for good"
            )
        life.at += timedelta(days=3)
        life.add(cat.AUTO_CLOSE, "close_ticket", note="closed 3 days after resolution")


def _fields(step: ScriptStep) -> dict[str, Any]:
    return {name: getattr(step, name) for name in ScriptStep.__dataclass_fields__}
