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

KILLS = 4
KEYS = ("queue_view", "audit_trail")
TICKETING = str(Path(sys.executable).with_name("ticketing"))


def building_positions(host: ProjectionHost) -> dict[str, int]:
    with read_transaction(host.engine) as conn:
        found = {k: registry.get_building(conn, k) for k in KEYS}
    return {k: g.position for k, g in found.items() if g is not None}


def rebuild_process(url: str, *, capture: bool = False) -> subprocess.Popen[bytes]:
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(  # noqa: S603 - our own console script
        [TICKETING, "rebuild", *KEYS, "--batch", "10", "--quiet"],
        env={**os.environ, "TICKETING_DB_URL": url},
        stdout=output,
        stderr=output,
    )


def kill_after_progress(
    process: subprocess.Popen[bytes], host: ProjectionHost, rng: random.Random
) -> dict[str, int] | None:
    """SIGKILL ``process`` a random moment after it moved a checkpoint.

    Returns the building checkpoints seen just before the kill, or None if
    the process finished first.
    """
    start = building_positions(host)
    deadline = time.monotonic() + 60
    while process.poll() is None:
        seen = building_positions(host)
        if any(seen.get(k, 0) > start.get(k, 0) for k in seen):
            time.sleep(rng.uniform(0, 0.08))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
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

    # when `ticketing rebuild` is killed with SIGKILL whenever it made progress
    kills: list[dict[str, int]] = []
    for _ in range(KILLS):
        seen = kill_after_progress(rebuild_process(runtime.settings.db_url), host, rng)
        if seen is None:
            break
        kills.append(seen)
    final = rebuild_process(runtime.settings.db_url, capture=True)
    out, err = final.communicate(timeout=120)

    # then it was really interrupted mid-build, and finished on the same generation
    assert final.returncode == 0, err.decode()
    assert kills, "the rebuild was never killed mid-way"
    assert any(0 < p < head for seen in kills for p in seen.values())
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
    assert "generation 2 active" in out.decode()
