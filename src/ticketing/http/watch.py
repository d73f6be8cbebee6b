"""Background work of an API process: the log watcher and the projection runners.

The watcher keeps the log head in an asyncio-friendly ``LogTicker`` so that
event streams wake up when something is appended: at once for appends made
by this process (the service's on_committed hook) or announced by PostgreSQL
NOTIFY, and at the latest after ``poll_seconds`` for other processes on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import text

from ticketing.projections.runner import ProjectionRunner
from ticketing.projections.wakeup import ListenWakeup, LocalWakeup, Wakeup

if TYPE_CHECKING:
    from ticketing.runtime import Runtime

logger = logging.getLogger(__name__)

JOIN_SECONDS = 10.0
#: The log watcher reads the head at most this often (each commit wakes it).
HEAD_INTERVAL_SECONDS = 0.05
#: Embedded runners start a catch-up pass at most this often (see PacedRunner).
PASS_INTERVAL_SECONDS = 0.05


class Background(Protocol):
    """Something the app starts with its lifespan and stops at shutdown."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class LogTicker:
    """The newest log head seen; coroutines wait for it to pass a position."""

    def __init__(self) -> None:
        self.head = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    def unbind(self) -> None:
        self._loop = None

    def publish_threadsafe(self, head: int) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(self._publish, head)

    def _publish(self, head: int) -> None:
        if head <= self.head or self._event is None:
            return
        self.head = head
        fired, self._event = self._event, asyncio.Event()
        fired.set()

    async def wait_beyond(self, position: int, timeout: float) -> None:
        """Return once the head passes ``position``, or after ``timeout``."""
        event = self._event
        if self.head > position:
            return
        if event is None:  # no watcher (no lifespan): plain polling
            await asyncio.sleep(timeout)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


class LogWatcher:
    """A thread that publishes the log head to a ticker whenever it may have moved."""

    def __init__(
        self, runtime: Runtime, ticker: LogTicker, poll_seconds: float
    ) -> None:
        self.runtime = runtime
        self.ticker = ticker
        self.poll_seconds = poll_seconds
        self._local = LocalWakeup()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wakeup: Wakeup = self._local
        if runtime.engine.dialect.name == "postgresql":
            channel = runtime.recorder.channel_name
            self._wakeup = ListenWakeup(runtime.engine, channel, self._local)

    def start(self) -> None:
        self.runtime.service.on_committed.append(self._local.notify)
        self._thread = threading.Thread(
            target=self._run, name="log-watcher", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        source = self.runtime.projections.source
        while not self._stop.is_set():
            read_at = time.monotonic()
            try:
                self.ticker.publish_threadsafe(source.head())
            except Exception:  # the database may be briefly away; keep watching
                logger.warning("log watcher could not read the head", exc_info=True)
            self._wakeup.wait(self.poll_seconds)
            # Every commit wakes the watcher: under load, one head read per
            # commit was a read transaction per command. Commits within the
            # interval share the next read (SSE hears of them <= 50 ms later).
            rest = HEAD_INTERVAL_SECONDS - (time.monotonic() - read_at)
            if rest > 0:
                self._stop.wait(rest)

    def _notify_listener(self) -> None:
        """Wake our own LISTEN at once (it would otherwise sleep out its poll)."""
        channel = self.runtime.recorder.channel_name
        with contextlib.suppress(Exception), self.runtime.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text(f"NOTIFY {channel}"))

    def stop(self) -> None:
        self._stop.set()
        self._local.notify()
        if isinstance(self._wakeup, ListenWakeup):
            self._notify_listener()
        with contextlib.suppress(ValueError):
            self.runtime.service.on_committed.remove(self._local.notify)
        if self._thread is not None:
            self._thread.join(JOIN_SECONDS)
        self._wakeup.close()


@dataclass
class PacedRunner(ProjectionRunner):
    """A runner that starts at most one catch-up pass per ``min_interval``.

    Embedded, the runner shares the process (GIL) and the SQLite write lock
    with the API. Unpaced, under load it loops on batches of one or two events,
    each a transaction of its own (about 4 ms); paced, the events of the
    interval go in one batch. Read-your-writes waits at most this much longer.
    """

    min_interval: float = PASS_INTERVAL_SECONDS

    def __post_init__(self) -> None:
        super().__post_init__()
        self._last_pass = 0.0

    def run_once(self) -> int:
        since = time.monotonic() - self._last_pass
        if since < self.min_interval:
            self.stop.wait(self.min_interval - since)
        self._last_pass = time.monotonic()
        return super().run_once()


class ProjectionThreads:
    """Every projection's runner in a thread of this process (embedded mode)."""

    def __init__(self, runtime: Runtime) -> None:
        host = runtime.projections
        self.runtime = runtime
        self.runner = PacedRunner(host, host.select(None), runtime.wakeup())
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = self.runner.start_thread()

    def stop(self) -> None:
        self.runner.stop.set()
        self.runtime.local_wakeup.notify()
        if self._thread is not None:
            self._thread.join(JOIN_SECONDS)
            if self._thread.is_alive():
                logger.warning(
                    "projection runner did not stop within %ss", JOIN_SECONDS
                )
        self.runner.wakeup.close()
