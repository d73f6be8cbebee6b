"""Automation run by an API process in embedded mode (rules; SLA escalations).

Each piece guards itself (processor checkpoint CAS, scheduler locks), so
several workers may start it: one does the work, the others stand by.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Final

from ticketing.rules.wiring import start_rules_automation
from ticketing.sla.wiring import start_sla_scheduler

if TYPE_CHECKING:
    from ticketing.runtime import Runtime

logger = logging.getLogger(__name__)

JOIN_SECONDS: Final = 10.0


class EmbeddedAutomation:
    """Starts the automation threads with the app and stops them at shutdown."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stop_event = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._threads = [
            *start_rules_automation(self.runtime, self.stop_event),
            start_sla_scheduler(self.runtime, self.stop_event),
        ]

    def stop(self) -> None:
        self.stop_event.set()
        self.runtime.local_wakeup.notify()
        for thread in self._threads:
            thread.join(JOIN_SECONDS)
            if thread.is_alive():
                logger.warning("%s did not stop within %ss", thread.name, JOIN_SECONDS)
