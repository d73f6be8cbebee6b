"""Deliver webhook outbox rows: POST with a timeout, retry with backoff and jitter.

Runs in its own thread (or process): a slow or failing endpoint only delays
its own deliveries, never the rules processor or command handling. Each
attempt is recorded; after ``max_attempts`` the row is marked failed and an
error is logged (``ticketing rules webhooks`` lists both).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Final

import httpx

from ticketing.rules.webhooks import (
    Attempt,
    OutboxRow,
    claim_due,
    create_webhook_tables,
    record_attempt,
)

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

    from ticketing.clock import Clock

logger = logging.getLogger(__name__)

USER_AGENT: Final = "ticketing-rules-webhook/1"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard to try: attempts, backoff bounds (seconds), timeout, lease."""

    max_attempts: int = 8
    base_delay: float = 5.0
    max_delay: float = 3600.0
    timeout: float = 10.0
    lease: float = 120.0
    batch: int = 20


def backoff(attempt: int, policy: DeliveryPolicy, draw: Callable[[], float]) -> float:
    """Seconds before retry number ``attempt`` + 1: exponential, with equal jitter.

    Half of the exponential delay is fixed, half is random (``draw`` gives a
    number in [0, 1)), so retries of many deliveries spread out.
    """
    delay = min(policy.max_delay, policy.base_delay * 2.0 ** (attempt - 1))
    return delay / 2 + draw() * delay / 2


@dataclass
class WebhookWorker:
    """Claims due outbox rows and delivers them."""

    engine: Engine
    clock: Clock
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    client: httpx.Client | None = None
    draw: Callable[[], float] = field(default=random.random)

    def __post_init__(self) -> None:
        create_webhook_tables(self.engine)
        if self.client is None:
            self.client = httpx.Client(
                timeout=self.policy.timeout, follow_redirects=False
            )

    def run_once(self) -> list[Attempt]:
        """Deliver every row due now (one attempt each); returns the attempts."""
        now = self.clock.now()
        lease = timedelta(seconds=self.policy.lease)
        rows = claim_due(self.engine, now, lease, self.policy.batch)
        return [self._deliver(row) for row in rows]

    def _deliver(self, row: OutboxRow) -> Attempt:
        assert self.client is not None  # noqa: S101 - set in __post_init__
        started = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            response = self.client.post(
                row.url,
                content=row.payload,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "Idempotency-Key": row.id,
                    "X-Ticketing-Attempt": str(row.attempts + 1),
                },
            )
            status_code = response.status_code
            if not response.is_success:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempt = self._outcome(row, status_code, error, time.perf_counter() - started)
        record_attempt(self.engine, row, attempt)
        return attempt

    def _outcome(
        self, row: OutboxRow, status_code: int | None, error: str | None, secs: float
    ) -> Attempt:
        at, number = self.clock.now(), row.attempts + 1
        where = f"webhook {row.name} for {row.ticket_number} ({row.rule_id})"
        if error is None:
            logger.info("%s delivered on attempt %d", where, number)
            return Attempt(at, secs, status_code, None, "delivered", None)
        if number >= self.policy.max_attempts:
            logger.error("%s FAILED after %d attempts: %s", where, number, error)
            return Attempt(at, secs, status_code, error, "failed", None)
        wait = backoff(number, self.policy, self.draw)
        logger.warning(
            "%s attempt %d failed (%s); retry in %.0fs", where, number, error, wait
        )
        next_at = at + timedelta(seconds=wait)
        return Attempt(at, secs, status_code, error, "pending", next_at)

    def run_forever(self, stop: threading.Event, poll: float = 1.0) -> None:
        logger.info("webhook delivery started")
        while not stop.is_set():
            try:
                done = self.run_once()
            except Exception:
                logger.exception("webhook delivery pass failed; retrying")
                done = []
            if not done:
                stop.wait(poll)
        if self.client is not None:
            self.client.close()
