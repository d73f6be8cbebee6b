"""Runtime wiring of the rules engine: validation, the processor loop, the threads.

``install_rules(runtime)`` registers the rule-set validator, so
``ActivatePolicy(kind="rules")`` checks a file against the directory in the
log before anything is recorded. ``start_rules_automation(runtime, stop)``
starts the rules processor, the time-rule scheduler and webhook delivery as
daemon threads (what ``ticketing rules run`` runs in the foreground, and what
``ticketing serve`` can run in-process).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eventsourcing.utils import get_topic

from ticketing.aggregates.directory import Agent, Group
from ticketing.automation.processor import AutomationProcessor
from ticketing.automation.scheduler import Scheduler
from ticketing.projections.locks import lock_for
from ticketing.projections.wakeup import ListenWakeup, LocalWakeup, Wakeup
from ticketing.rules.activations import RULES_KIND, parse_rule_documents
from ticketing.rules.delivery import DeliveryPolicy, WebhookWorker
from ticketing.rules.reactor import RulesReactor
from ticketing.rules.state import RulesState
from ticketing.rules.timers import TIMERS_LOCK, TimeRules
from ticketing.rules.view import SourceReader
from ticketing.rules.webhooks import OutboxSink, create_webhook_tables
from ticketing.sla.provider import LogSlaProvider

if TYPE_CHECKING:
    from ticketing.rules.directory import Directory
    from ticketing.rules.sla import SlaProvider
    from ticketing.rules.view import LogReader
    from ticketing.runtime import Runtime

logger = logging.getLogger(__name__)

DIRECTORY_TOPICS = tuple(
    get_topic(c)
    for c in (
        Agent.Registered,
        Agent.SkillsChanged,
        Agent.CapacityChanged,
        Agent.ShiftChanged,
        Group.Created,
        Group.MemberAdded,
        Group.MemberRemoved,
    )
)


def current_directory(reader: LogReader) -> Directory:
    """Agents and groups as the log has them now (queues come from rule files)."""
    state = RulesState()
    after = 0
    while batch := reader.read(after, 1000, DIRECTORY_TOPICS):
        for log in batch:
            state.apply(log)
        after = batch[-1].position
    return state.directory()


@dataclass(frozen=True, slots=True)
class RuleSetValidator:
    """``service.policy_validators["rules"]``: the version, or ``RuleSetError``."""

    reader: LogReader

    def __call__(self, documents: dict[str, str]) -> str:
        rule_set = parse_rule_documents(documents, current_directory(self.reader))
        return rule_set.version


def install_rules(runtime: Runtime) -> None:
    """Let this runtime activate rule sets (validated against the directory)."""
    reader = SourceReader(runtime.projections.source)
    runtime.service.policy_validators[RULES_KIND] = RuleSetValidator(reader)
    create_webhook_tables(runtime.engine)


def default_sla(runtime: Runtime) -> SlaProvider:
    """``sla_percent`` of the resolution clock, from the log and the SLA policy."""
    return LogSlaProvider(runtime.projections.source)


def build_reactor(runtime: Runtime, sla: SlaProvider | None = None) -> RulesReactor:
    """The rules reactor; ``sla`` defaults to the SLA engine's provider."""
    service = runtime.service
    return RulesReactor(
        SourceReader(runtime.projections.source),
        lambda ticket_id, version: service.load(ticket_id, version=version),
        service.matrix,
        OutboxSink(runtime.engine),
        sla or default_sla(runtime),
    )


def build_time_rules(runtime: Runtime, sla: SlaProvider | None = None) -> TimeRules:
    """The time-rule timer source; ``sla`` defaults to the SLA engine's provider."""
    return TimeRules(
        SourceReader(runtime.projections.source),
        runtime.service.load,
        runtime.service.matrix,
        OutboxSink(runtime.engine),
        sla or default_sla(runtime),
    )


def _wakeup(runtime: Runtime) -> Wakeup:
    local = LocalWakeup()
    runtime.service.on_committed.append(local.notify)
    if runtime.engine.dialect.name == "postgresql":
        return ListenWakeup(runtime.engine, runtime.recorder.channel_name, local)
    return local


@dataclass
class RulesRunner:
    """The rules processor loop: one active per database (lock + checkpoint CAS)."""

    runtime: Runtime
    stop: threading.Event
    sla: SlaProvider | None = None
    poll: float = 1.0
    reactor: RulesReactor = field(init=False)
    processor: AutomationProcessor = field(init=False)

    def __post_init__(self) -> None:
        self.reactor = build_reactor(self.runtime, self.sla)
        self.processor = AutomationProcessor(
            self.runtime.projections.source, self.runtime.service, self.reactor
        )

    def run_once(self, *, warm: bool) -> int:
        """One catch-up pass (folding the rules state first unless ``warm``)."""
        clock = self.runtime.clock
        if not warm:
            generation = self.processor.generation(clock.now())
            self.reactor.warm_up(generation.position)
        return self.processor.run_once(clock.now())

    def run_forever(self) -> None:
        lock, wakeup = lock_for(self.runtime.engine), _wakeup(self.runtime)
        warm = False
        logger.info("rules processor started")
        try:
            while not self.stop.is_set():
                if not lock.try_acquire(self.processor.key):
                    warm = False  # another runner is active; stand by
                    self.stop.wait(self.poll)
                    continue
                try:
                    examined = self.run_once(warm=warm)
                    warm = True
                except Exception:
                    logger.exception("rules processor pass failed; refolding")
                    warm, examined = False, 0
                    self.stop.wait(self.poll)
                if not examined:
                    wakeup.wait(self.poll)
        finally:
            lock.release_all()
            wakeup.close()


def start_rules_automation(
    runtime: Runtime,
    stop: threading.Event,
    *,
    timers: bool = True,
    webhooks: bool = True,
    sla: SlaProvider | None = None,
) -> list[threading.Thread]:
    """Start the rules processor (+ time rules, + webhook delivery) as daemons.

    Set ``stop`` to end them; join the returned threads to wait for that.
    ``sla`` defaults to the SLA engine's provider (``default_sla``), so
    ``sla_percent`` is known to change and time rules.
    """
    install_rules(runtime)
    runner = RulesRunner(runtime, stop, sla)
    threads = [threading.Thread(target=runner.run_forever, name="rules-processor")]
    if timers:
        scheduler = Scheduler(
            runtime.engine,
            runtime.service,
            runtime.clock,
            [build_time_rules(runtime, sla)],
            lock_name=TIMERS_LOCK,
            stop=stop,
        )
        threads.append(threading.Thread(target=scheduler.run_forever, name=TIMERS_LOCK))
    if webhooks:
        worker = WebhookWorker(runtime.engine, runtime.clock, DeliveryPolicy())
        threads.append(
            threading.Thread(
                target=worker.run_forever, args=(stop,), name="rules-webhooks"
            )
        )
    for thread in threads:
        thread.daemon = True
        thread.start()
    return threads
