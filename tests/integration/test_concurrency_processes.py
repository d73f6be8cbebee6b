"""Several processes (spawned, each with its own runtime) contend on one ticket.

The same guarantees as with threads, now across connection pools and, on
SQLite, across the file lock: each accepted command's events exactly once,
every other command a conflict, ticket numbers unique and gapless.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

from tests.support.concurrency import (
    Outcome,
    assert_accepted_exactly_once,
    assert_no_errors,
    run_in_process,
)
from tests.support.numbers import assert_gapless_numbers
from tests.support.service import assert_chained, open_runtime, opened

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPAWN = multiprocessing.get_context("spawn")
PROCESSES = 3
RESULT_TIMEOUT = 120.0


def run_processes(db_url: str, args: tuple[Any, ...]) -> list[Outcome]:
    """Start PROCESSES workers with ``args`` (+ a shared barrier); collect outcomes."""
    barrier = SPAWN.Barrier(PROCESSES)
    queue = SPAWN.Queue()
    procs = [
        SPAWN.Process(target=run_in_process, args=(db_url, w, (*args, barrier), queue))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    try:
        outcomes = [o for _ in procs for o in queue.get(timeout=RESULT_TIMEOUT)]
    finally:
        for p in procs:
            p.join(timeout=RESULT_TIMEOUT)
            if p.is_alive():  # pragma: no cover - only on a hang
                p.terminate()
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    return outcomes


def test_one_winner_per_round_across_processes(db_url: str) -> None:
    rounds = 4
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)

    outcomes = run_processes(db_url, ("rounds", tid, rounds))

    with open_runtime(db_url) as runtime:
        assert_accepted_exactly_once(runtime.service, tid, outcomes, before=1)
        accepted = [o for o in outcomes if o.status == "accepted"]
        assert len(accepted) == rounds
        assert len(outcomes) == rounds * PROCESSES
        assert_chained(runtime.recorder.select_log(0, 1000))


def test_racing_processes_without_expected_version(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)

    outcomes = run_processes(db_url, ("free", tid, 6))

    with open_runtime(db_url) as runtime:
        assert_accepted_exactly_once(runtime.service, tid, outcomes, before=1)
        assert len(outcomes) == 6 * PROCESSES
        assert_chained(runtime.recorder.select_log(0, 1000))


def test_processes_starting_together_on_an_empty_database(db_url: str) -> None:
    """All create the schema at once (one wins, the others wait), then open
    tickets concurrently: numbers stay unique and gapless."""
    outcomes = run_processes(db_url, ("open", 5))

    assert_no_errors(outcomes)
    assert all(o.status == "accepted" for o in outcomes)
    with open_runtime(db_url) as runtime:
        assert_gapless_numbers(runtime, [o.number for o in outcomes])
        assert_chained(runtime.recorder.select_log(0, 1000))
