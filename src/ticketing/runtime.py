"""Composition root: build the store, the service and the read side from Settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ticketing.clock import Clock, SystemClock
from ticketing.commands.application import TicketingApplication
from ticketing.commands.service import TicketService
from ticketing.policies.priority import load_priority_matrix
from ticketing.projections.catalogue import default_projections
from ticketing.projections.catchup import LogSource
from ticketing.projections.manage import ProjectionHost
from ticketing.projections.wakeup import ListenWakeup, LocalWakeup, Wakeup
from ticketing.rules.wiring import install_rules
from ticketing.sla.validate import SLA_KIND, validate_sla_documents
from ticketing.store.indexes import create_index_tables

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ticketing.settings import Settings
    from ticketing.store.recorder import TicketingRecorder


@dataclass
class Runtime:
    """Everything one process uses, built once and closed at exit."""

    settings: Settings
    clock: Clock
    app: TicketingApplication
    service: TicketService
    projections: ProjectionHost
    local_wakeup: LocalWakeup
    closed: bool = field(default=False)

    @property
    def engine(self) -> Engine:
        return self.app.log_recorder.engine

    @property
    def recorder(self) -> TicketingRecorder:
        return self.app.log_recorder

    def wakeup(self) -> Wakeup:
        """What an idle projection runner waits on (LISTEN on PostgreSQL)."""
        if self.engine.dialect.name == "postgresql":
            channel = self.recorder.channel_name
            return ListenWakeup(self.engine, channel, self.local_wakeup)
        return self.local_wakeup

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.app.close()
            self.engine.dispose()


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Open (and if needed create) the store described by ``settings``."""
    clock = clock or SystemClock()
    app = TicketingApplication(settings.db_url, settings.snapshot_interval)
    create_index_tables(app.log_recorder.engine)
    matrix = load_priority_matrix(settings.priority_matrix_version)
    service = TicketService(app, clock, matrix)
    service.policy_validators[SLA_KIND] = validate_sla_documents
    local_wakeup = LocalWakeup()
    service.on_committed.append(local_wakeup.notify)
    source = LogSource(
        engine=app.log_recorder.engine, recorder=app.log_recorder, mapper=app.mapper
    )
    host = ProjectionHost(source, default_projections(), SystemClock())
    runtime = Runtime(
        settings=settings,
        clock=clock,
        app=app,
        service=service,
        projections=host,
        local_wakeup=local_wakeup,
    )
    install_rules(runtime)
    return runtime
