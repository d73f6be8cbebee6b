"""The projection runner: keeps active generations caught up, forever.

Per projection it holds the runner lock (or stands by), catches up in
batches, heartbeats, and records what goes wrong in the registry:

- a handler error or an undecodable event stops THAT projection at the failing
  position (status shows position, event and reason); the others go on;
- a lost database connection is an *interruption*: it is counted, shown in the
  status, and the runner retries with backoff until the database is back.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.exc import DBAPIError

from ticketing.errors import (
    CheckpointMovedError,
    CorruptEventError,
    ProjectionHandlerError,
)
from ticketing.projections import registry
from ticketing.projections.catchup import CONNECTION_ERRORS, BatchDone, catch_up
from ticketing.projections.locks import lock_for
from ticketing.store.datastore import read_transaction, write_transaction

if TYPE_CHECKING:
    from ticketing.projections.base import Projection
    from ticketing.projections.manage import ProjectionHost
    from ticketing.projections.wakeup import Wakeup

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS: Final = 2.0
POLL_SECONDS: Final = 0.5
MAX_BACKOFF_SECONDS: Final = 10.0


def default_runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class _Slot:
    projection: Projection[Any]
    failed: bool = False
    outdated_logged: bool = False
    standby: bool = False
    #: monotonic time of the last heartbeat written (0: none yet)
    last_heartbeat: float = 0.0
    events_since_heartbeat: int = 0
    #: interruptions not yet recorded in the registry, and the last one's message
    pending: int = 0
    pending_message: str = ""


@dataclass
class ProjectionRunner:
    """Runs ``projections`` of ``host`` until ``stop`` is set."""

    host: ProjectionHost
    projections: list[Projection[Any]]
    wakeup: Wakeup
    runner_id: str = field(default_factory=default_runner_id)
    batch_size: int = 1000
    poll_seconds: float = POLL_SECONDS
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._slots = [_Slot(p) for p in self.projections]
        self._lock = lock_for(self.host.engine)
        self._backoff = 0.0

    def run_forever(self) -> None:
        logger.info("runner %s started for %s", self.runner_id, self._keys())
        try:
            while not self.stop.is_set():
                processed = self._run_guarded()
                if processed == 0 and not self.stop.is_set():
                    self.wakeup.wait(self._backoff or self.poll_seconds)
                    for failure in self.wakeup.take_failures():
                        self._note_interruption(failure)
        finally:
            self.close()
            logger.info("runner %s stopped", self.runner_id)

    def close(self) -> None:
        """Release the runner locks (a standby may take over)."""
        self._lock.release_all()

    def _keys(self) -> list[str]:
        return [p.key for p in self.projections]

    def _run_guarded(self) -> int:
        try:
            processed = self.run_once()
        except (*CONNECTION_ERRORS, DBAPIError) as exc:
            self._interrupted(exc)
            return 0
        except Exception:
            logger.exception("runner %s crashed", self.runner_id)
            raise
        self._backoff = 0.0
        return processed

    def run_once(self) -> int:
        """One pass over every projection; returns events applied."""
        total = 0
        for slot in self._slots:
            if self.stop.is_set():
                break
            if not self._lock.try_acquire(slot.projection.key):
                self._standby(slot)
                continue
            if slot.standby:
                logger.info(
                    "%s: runner %s took the lock; serving",
                    slot.projection.key,
                    self.runner_id,
                )
                slot.standby = False
            self._flush_interruptions(slot)
            if not slot.failed:
                total += self._catch_up(slot)
            self._heartbeat(slot)
        return total

    def _standby(self, slot: _Slot) -> None:
        # Interruptions are recorded by the runner serving the projection. Keep
        # them while the lock may still be our own dead connection's (the server
        # releases it a moment after the backend is terminated); drop them once
        # another runner is serving.
        if slot.pending:
            serving = self._active(slot.projection).runner_id
            if serving is not None and serving != self.runner_id:
                slot.pending = 0
        if not slot.standby:
            logger.info(
                "%s: another runner is active; %s stands by",
                slot.projection.key,
                self.runner_id,
            )
            slot.standby = True

    def _catch_up(self, slot: _Slot) -> int:
        projection = slot.projection
        gen = self._active(projection)
        if gen.code_version != projection.code_version:
            if not slot.outdated_logged:
                logger.warning(
                    "%s: active generation was built by code version %s, this is %s; "
                    "serving it as is until `ticketing rebuild %s`",
                    projection.key,
                    gen.code_version,
                    projection.code_version,
                    projection.key,
                )
                slot.outdated_logged = True
            return 0

        def on_batch(done: BatchDone) -> None:
            slot.events_since_heartbeat += done.events
            self._heartbeat(slot)

        try:
            return catch_up(
                self.host.source,
                projection,
                gen,
                batch_size=self.batch_size,
                on_batch=on_batch,
                should_stop=self.stop.is_set,
            )
        except CheckpointMovedError:
            logger.info("%s: checkpoint moved by another runner", projection.key)
            return 0
        except (CorruptEventError, ProjectionHandlerError) as exc:
            self._failed(slot, gen, exc)
            return 0

    def _active(self, projection: Projection[Any]) -> registry.Generation:
        with read_transaction(self.host.engine) as conn:
            gen = registry.get_active(conn, projection.key)
        return gen if gen is not None else self.host.ensure_active(projection)

    def _failed(
        self,
        slot: _Slot,
        gen: registry.Generation,
        exc: CorruptEventError | ProjectionHandlerError,
    ) -> None:
        slot.failed = True
        logger.error("%s stopped: %s", slot.projection.key, exc.message)
        with write_transaction(self.host.engine) as conn:
            registry.set_fields(
                conn,
                gen.key,
                gen.generation,
                error_message=exc.message[:4000],
                error_position=exc.details.get("position"),
                error_topic=exc.details.get("topic"),
                error_at=self.host.clock.now(),
            )

    def _heartbeat(self, slot: _Slot) -> None:
        now = time.monotonic()
        window = now - slot.last_heartbeat
        if window < self.heartbeat_seconds:
            return
        # recent events/s: applied since the previous heartbeat, over that window
        rate = None
        if slot.last_heartbeat and window > 0:
            rate = slot.events_since_heartbeat / window
        slot.last_heartbeat, slot.events_since_heartbeat = now, 0
        gen = self._active(slot.projection)
        values: dict[str, Any] = {
            "heartbeat_at": self.host.clock.now(),
            "runner_id": self.runner_id,
            "rate": rate,
        }
        if not slot.failed and gen.error_message is not None:
            # a fresh start retries a projection that failed before
            values.update(error_message=None, error_position=None, error_topic=None)
        with write_transaction(self.host.engine) as conn:
            registry.set_fields(conn, gen.key, gen.generation, **values)

    def _interrupted(self, exc: Exception) -> None:
        self._backoff = min(
            max(self._backoff * 2, self.poll_seconds), MAX_BACKOFF_SECONDS
        )
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        logger.warning(
            "runner interrupted (%s); retrying in %.1fs", message, self._backoff
        )
        self._note_interruption(message)

    def _note_interruption(self, message: str) -> None:
        for slot in self._slots:
            slot.pending += 1
            slot.pending_message = message

    def _flush_interruptions(self, slot: _Slot) -> None:
        """Record interruptions once the database answers and the lock is ours."""
        if not slot.pending:
            return
        gen = self._active(slot.projection)  # created here if it is the first
        with write_transaction(self.host.engine) as conn:
            registry.record_interruption(
                conn,
                gen.key,
                gen.generation,
                slot.pending_message,
                self.host.clock.now(),
                count=slot.pending,
            )
        slot.pending = 0

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(
            target=self.run_forever,
            name=f"projections-{'-'.join(self._keys())}",
            daemon=True,
        )
        thread.start()
        return thread
