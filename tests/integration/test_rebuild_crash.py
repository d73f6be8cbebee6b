"""A rebuild killed with SIGKILL at random moments resumes and ends exactly right.

`ticketing rebuild` runs as a subprocess; whenever it has made progress it is
killed outright after a random delay, then started again. The generation it
finally switches to must have the digest of an uninterrupted build, every
event applied once (no duplicate rows, no double counting), and must be the
same generation all along (resumed, never restarted).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.projections import catch_up_all, fresh_digest, live_digest, rows
from tests.support.strategies import run_steps, scripted_steps
from ticketing.projections import registry
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.projections.manage import ProjectionHost
    from ticketing.runtime import Runtime

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KILLS = 2
KEYS = ("queue_view", "audit_trail")
TICKETING = str(Path(sys.executable).with_name("ticketing"))


def building_position(host: ProjectionHost, key: str) -> int | None:
    with read_transaction(host.engine) as conn:
        found = registry.get_building(conn, key)
    return None if found is None else found.position


def rebuild_process(
    url: str, key: str, *, capture: bool = False
) -> subprocess.Popen[bytes]:
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(  # noqa: S603 - our own console script
        [TICKETING, "rebuild", key, "--batch", "5", "--quiet"],
        env={**os.environ, "TICKETING_DB_URL": url},
        stdout=output,
        stderr=output,
    )


def kill_after_progress(
    process: subprocess.Popen[bytes],
    host: ProjectionHost,
    key: str,
    rng: random.Random,
) -> int | None:
    """SIGKILL ``process`` a random moment after it moved its checkpoint.

    Returns the checkpoint seen just before the kill, or None if the process
    finished first.
    """
    start = building_position(host, key) or 0
    deadline = time.monotonic() + 60
    while process.poll() is None:
        seen = building_position(host, key)
        if seen is not None and seen > start:
            time.sleep(rng.uniform(0, 0.05))
            process.send_signal(signal.SIGKILL)
            if process.wait(timeout=10) == 0:
                return None  # it finished just before the kill
            return seen
        assert time.monotonic() < deadline, "rebuild made no progress"
        time.sleep(0.005)
    return None


def test_a_rebuild_killed_at_random_moments_ends_as_an_uninterrupted_one(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a live, caught-up generation of each projection over ~400 events
    run_steps(runtime.service, clock, scripted_steps(60))
    host = runtime.projections
    catch_up_all(host)
    head = host.source.head()
    uninterrupted = {k: live_digest(host, k) for k in KEYS}
    rng = random.Random(20260302)  # noqa: S311 - reproducible kill moments

    # when `ticketing rebuild` is killed with SIGKILL whenever it made progress,
    # and started again, until it finishes (one projection at a time)
    kills: dict[str, list[int]] = {}
    for key in KEYS:
        kills[key] = []
        finished = False
        for _ in range(KILLS):
            process = rebuild_process(runtime.settings.db_url, key)
            seen = kill_after_progress(process, host, key, rng)
            if seen is None:
                finished = True
                break
            kills[key].append(seen)
        if not finished:
            final = rebuild_process(runtime.settings.db_url, key, capture=True)
            out, err = final.communicate(timeout=120)
            assert final.returncode == 0, err.decode()
            assert f"{key}: generation 2 active" in out.decode()

    # then each was really interrupted mid-build, and finished on the generation
    # it started (resumed, never restarted)
    for key in KEYS:
        assert any(0 < p < head for p in kills[key]), f"{key} never killed mid-way"
    with read_transaction(host.engine) as conn:
        gens = [g for g in registry.list_generations(conn) if g.key in KEYS]
    assert sorted((g.key, g.generation, g.status) for g in gens) == [
        ("audit_trail", 1, "retired"),
        ("audit_trail", 2, "active"),
        ("queue_view", 1, "retired"),
        ("queue_view", 2, "active"),
    ]
    for gen in gens:
        if gen.status == "active":
            assert (gen.position, gen.events_processed) == (head, head)
    # with the digest of an uninterrupted build, and no duplicate rows
    for key in KEYS:
        assert live_digest(host, key) == uninterrupted[key] == fresh_digest(host, key)
    positions = [e["position"] for e in rows(host, "audit_trail")]
    assert sorted(positions) == list(range(1, head + 1))
