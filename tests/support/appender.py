"""A separate writer process for concurrency tests.

``python -m tests.support.appender URL TICKETS SEED`` plays a scripted history
through the command service with command ids prefixed by the seed, so several
processes never touch each other's tickets (they still race for every append
and every ticket number).
"""

from __future__ import annotations

import sys

from tests.support.projections import T0
from tests.support.strategies import run_steps, scripted_steps
from ticketing.clock import SettableClock
from ticketing.runtime import build_runtime
from ticketing.settings import Settings


def main(argv: list[str]) -> int:
    url, tickets, seed = argv[0], int(argv[1]), int(argv[2])
    clock = SettableClock(T0)
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
