"""Threads sharing one runtime issue conflicting commands on one ticket.

Every accepted command's events are in the log exactly once; every other
command got a conflict error; numbers stay unique and gapless.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.concurrency import (
    Outcome,
    assert_accepted_exactly_once,
    assert_no_errors,
    contend_freely,
    contend_in_rounds,
    open_many,
)
from tests.support.numbers import assert_gapless_numbers
from tests.support.service import assert_chained, open_runtime, opened

pytestmark = pytest.mark.integration

WORKERS = 4


def test_one_winner_per_round_on_a_stale_expected_version(db_url: str) -> None:
    rounds = 5
    barrier = threading.Barrier(WORKERS)
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = [
                pool.submit(contend_in_rounds, runtime.service, tid, w, rounds, barrier)
                for w in range(WORKERS)
            ]
            outcomes: list[Outcome] = [o for f in futures for o in f.result()]

        assert_accepted_exactly_once(runtime.service, tid, outcomes, before=1)
        accepted = [o for o in outcomes if o.status == "accepted"]
        assert len(accepted) == rounds  # exactly one winner per round
        assert len(outcomes) - len(accepted) == rounds * (WORKERS - 1)
        assert_chained(runtime.recorder.select_log(0, 1000))


def test_racing_writers_without_expected_version(db_url: str) -> None:
    count = 8
    barrier = threading.Barrier(WORKERS)
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = [
                pool.submit(contend_freely, runtime.service, tid, w, count, barrier)
                for w in range(WORKERS)
            ]
            outcomes = [o for f in futures for o in f.result()]

        assert_accepted_exactly_once(runtime.service, tid, outcomes, before=1)
        assert_chained(runtime.recorder.select_log(0, 1000))


def test_concurrent_opens_get_unique_gapless_numbers(db_url: str) -> None:
    count = 6
    barrier = threading.Barrier(WORKERS)
    with open_runtime(db_url) as runtime:
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = [
                pool.submit(open_many, runtime.service, w, count, barrier)
                for w in range(WORKERS)
            ]
            outcomes = [o for f in futures for o in f.result()]

        assert_no_errors(outcomes)
        assert all(o.status == "accepted" for o in outcomes)
        assert_gapless_numbers(runtime, [o.number for o in outcomes])
