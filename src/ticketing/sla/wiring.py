"""Running the SLA escalation scheduler: in-process, or as its own process.

``start_sla_scheduler(runtime)`` starts it as a daemon thread (what
``ticketing serve`` can call on the embedded default); ``ticketing sla
scheduler`` runs the same loop in the foreground. Either way one scheduler is
active per database (PostgreSQL advisory lock, or a file lock beside the
SQLite file); others stand by. It reads the live SLA projection, which a
projection runner keeps current (``ticketing projections run`` or ``serve``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ticketing.automation.scheduler import TICK_SECONDS, Scheduler
from ticketing.sla.timers import SlaTimers

if TYPE_CHECKING:
    from ticketing.runtime import Runtime


def sla_scheduler(
    runtime: Runtime,
    *,
    tick_seconds: float = TICK_SECONDS,
    stop: threading.Event | None = None,
    refresh: bool = False,
) -> Scheduler:
    """A scheduler whose only timer source is the SLA thresholds.

    ``refresh``: catch the SLA projection up before each pass (for a scheduler
    process that runs without a projection runner).
    """
    return Scheduler(
        engine=runtime.engine,
        service=runtime.service,
        clock=runtime.clock,
        sources=[SlaTimers(runtime.projections, refresh=refresh)],
        tick_seconds=tick_seconds,
        stop=stop or threading.Event(),
    )


def start_sla_scheduler(
    runtime: Runtime,
    stop: threading.Event | None = None,
    *,
    tick_seconds: float = TICK_SECONDS,
) -> threading.Thread:
    """Run the SLA scheduler in a daemon thread until ``stop`` is set."""
    scheduler = sla_scheduler(runtime, tick_seconds=tick_seconds, stop=stop)
    return scheduler.start_thread()
