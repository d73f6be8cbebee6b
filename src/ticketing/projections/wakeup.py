"""How an idle runner learns that there is something new: it only wakes up.

Delivery is always the pull-based catch-up; a lost notification costs at most
one poll interval. In-process appends set an Event; on PostgreSQL, LISTEN on
the channel the recorder NOTIFYs at every append covers other processes.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)


class Wakeup(Protocol):
    def wait(self, timeout: float) -> None:
        """Return when woken, or after ``timeout`` seconds."""
        ...

    def close(self) -> None: ...

    def take_failures(self) -> list[str]:
        """Connection failures since the last call (the runner reports them)."""
        ...


class LocalWakeup:
    """Woken by ``notify()`` from this process (the command service after commit)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def notify(self, *_: object) -> None:
        self._event.set()

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)
        self._event.clear()

    def close(self) -> None:
        self._event.set()

    def take_failures(self) -> list[str]:
        return []


class ListenWakeup:
    """PostgreSQL LISTEN on the log's channel, plus the local event."""

    def __init__(self, engine: Engine, channel: str, local: LocalWakeup) -> None:
        self.engine = engine
        self.channel = channel
        self.local = local
        self._raw: Any = None
        self._failures: list[str] = []

    def _listen(self) -> Any:
        if self._raw is None:
            raw = self.engine.raw_connection()
            driver: Any = raw.driver_connection
            driver.set_session(autocommit=True)
            driver.cursor().execute(f"LISTEN {self.channel}")
            self._raw = raw
        return self._raw

    def wait(self, timeout: float) -> None:
        try:
            raw = self._listen()
            driver = raw.driver_connection
            if select.select([driver], [], [], timeout)[0]:
                driver.poll()
                driver.notifies.clear()
        except Exception as exc:
            logger.warning("LISTEN connection failed; polling", exc_info=True)
            self._failures.append(f"LISTEN {type(exc).__name__}: {exc}".splitlines()[0])
            self._reset()
            self.local.wait(timeout)

    def take_failures(self) -> list[str]:
        failures, self._failures = self._failures, []
        return failures

    def _reset(self) -> None:
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.invalidate()
        self._raw = None

    def close(self) -> None:
        self._reset()
        self.local.close()
