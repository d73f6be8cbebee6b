"""Time-based automation: fire commands when timers (SLA thresholds, ages) come due.

*Timer sources* (the SLA engine, the rules engine) say which timers are due at
``now``. The scheduler executes each as an attributed command whose id is
derived from the timer's key (ticket, threshold, cycle), so a timer fires at
most once, also across restarts and with several schedulers racing.

A timer whose instant had already passed when the facts behind it were
*recorded* (``armed_at``) never fires: that is history (an import, a rebuild
of old data, a clock that was paused), not something happening now.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, Protocol

from ticketing.aggregates.envelope import Actor
from ticketing.commands.service import CommandContext
from ticketing.errors import DomainError, NotFoundError
from ticketing.ids import NAMESPACE
from ticketing.projections.locks import lock_for

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from ticketing.automation.processor import Reaction
    from ticketing.clock import Clock
    from ticketing.commands.messages import Command
    from ticketing.commands.service import TicketService

logger = logging.getLogger(__name__)

TICK_SECONDS: Final = 5.0
SCHEDULER_LOCK: Final = "scheduler"


@dataclass(frozen=True, slots=True)
class Due:
    """A timer that may fire: what to do, when, and why."""

    key: str
    due_at: datetime
    armed_at: datetime
    reaction: Reaction
    causation_id: str
    correlation_id: str
    depth: int = 0


class TimerSource(Protocol):
    """Lists timers due at ``now`` (typically reading a projection)."""

    name: str

    def due(self, now: datetime) -> Iterable[Due]: ...


@dataclass(frozen=True, slots=True)
class Fired:
    key: str
    status: str  # applied | replayed | refused | historical
    detail: str = ""


@dataclass
class Scheduler:
    """Ticks through timer sources and executes what is due."""

    engine: Engine
    service: TicketService
    clock: Clock
    sources: list[TimerSource]
    tick_seconds: float = TICK_SECONDS
    #: One active scheduler per lock name and database (others stand by).
    lock_name: str = SCHEDULER_LOCK
    stop: threading.Event = field(default_factory=threading.Event)
    fired: list[Fired] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = lock_for(self.engine)
        self._done: set[str] = set()

    def tick(self) -> list[Fired]:
        """One pass: fire every due timer once. Returns what happened."""
        if not self._lock.try_acquire(self.lock_name):
            return []
        now = self.clock.now()
        results: list[Fired] = []
        reported: set[str] = set()
        for source in self.sources:
            for due in source.due(now):
                reported.add(due.key)
                if due.key in self._done or due.due_at > now:
                    continue
                results.append(self._fire(due))
                self._done.add(due.key)
        # Forget timers no source reports any more (fired and moved on, or
        # moot): memory stays bounded by what is currently due.
        self._done &= reported
        self.fired.extend(results)
        del self.fired[:-1000]
        return results

    def _fire(self, due: Due) -> Fired:
        if due.due_at < due.armed_at:
            return Fired(due.key, "historical", "due before its facts were recorded")
        reaction = due.reaction
        command = _with_id(reaction.command, due.key)
        ctx = CommandContext(
            actor=Actor(id=f"rule:{reaction.rule_id}", role="automation", kind="rule"),
            correlation_id=due.correlation_id,
            causation_id=due.causation_id,
            rule_id=reaction.rule_id,
            rule_set_version=reaction.rule_set_version,
            depth=due.depth + 1,
        )
        try:
            result = self.service.execute(command, ctx)
        except (DomainError, NotFoundError) as exc:
            return Fired(due.key, "refused", exc.message)
        return Fired(due.key, "replayed" if result.replayed else "applied")

    def close(self) -> None:
        """Give up the scheduler lock (another scheduler may take over)."""
        self._lock.release_all()

    def run_forever(self) -> None:
        logger.info("scheduler started (%s)", [s.name for s in self.sources])
        try:
            while not self.stop.is_set():
                try:
                    self.tick()
                except Exception:
                    logger.exception("scheduler tick failed; retrying next tick")
                self.stop.wait(self.tick_seconds)
        finally:
            self.close()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(
            target=self.run_forever, name=self.lock_name, daemon=True
        )
        thread.start()
        return thread


def _with_id(command: Command, key: str) -> Command:
    return replace(command, command_id=str(uuid.uuid5(NAMESPACE, f"timer:{key}")))
