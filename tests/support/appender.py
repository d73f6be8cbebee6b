"""A separate writer process for concurrency tests.

``python -m tests.support.appender URL TICKETS SEED [PAUSE_MS]`` plays a
scripted history through the command service with command ids prefixed by the
seed, so several processes never touch each other's tickets (they still race
for every append and every ticket number). ``PAUSE_MS`` waits that long
before each command, as agents do: on SQLite a tight loop of writers can hold
the write lock back to back and starve a projection runner for their whole
run, which would leave nothing interleaved to test.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from tests.support.projections import T0
from tests.support.strategies import run_steps, scripted_steps
from ticketing.clock import SettableClock
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from datetime import datetime, timedelta


class PacedClock(SettableClock):
    """A settable clock that also lets real time pass on each step."""

    def __init__(self, pause_seconds: float) -> None:
        super().__init__(T0)
        self.pause_seconds = pause_seconds

    def advance(self, delta: timedelta) -> datetime:
        time.sleep(self.pause_seconds)
        return super().advance(delta)


def main(argv: list[str]) -> int:
    url, tickets, seed = argv[0], int(argv[1]), int(argv[2])
    pause_ms = float(argv[3]) if len(argv) > 3 else 0.0
    clock = PacedClock(pause_ms / 1000)
    runtime = build_runtime(Settings(db_url=url), clock=clock)
    try:
        played = run_steps(
            runtime.service,
            clock,
            scripted_steps(tickets, seed=seed),
            id_prefix=f"writer{seed}",
        )
    finally:
        runtime.close()
    sys.stdout.write(f"{played.accepted}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
