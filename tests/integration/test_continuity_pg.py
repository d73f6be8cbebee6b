"""Continuity: concurrent writers never commit below a position a runner has passed.

Several processes append while a runner catches up in small batches. If any
event could commit at a position below the runner's checkpoint, the runner
would have moved past it and it would be missing from the views. Afterwards
the views must hold exactly the log: every position once, every ticket with
the state, queue and priority its own events give it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import distinct, func, select

from tests.support.projections import fresh_digest, live_digest, rows
from ticketing.projections.catchup import catch_up
from ticketing.queries.queues import QueueFilter, queue_counts
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from ticketing.runtime import Runtime

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 3
TICKETS = 30
PAUSE_MS = 2  # writers pace themselves a little, so the runner gets the lock


def test_views_hold_exactly_the_log_after_concurrent_writers(runtime: Runtime) -> None:
    host = runtime.projections
    url = runtime.settings.db_url
    for projection in host.projections.values():
        host.ensure_active(projection)
    done = threading.Event()
    writing = threading.Event()
    passes_during_writes = [0]

    def runner() -> None:
        while not done.is_set():
            applied = 0
            for key, projection in host.projections.items():
                with read_transaction(host.engine) as conn:
                    gen = host.active_view(conn, key).generation
                applied += catch_up(host.source, projection, gen, batch_size=7)
            # count only passes that overlapped the writers, not the tail after them
            passes_during_writes[0] += bool(applied) and writing.is_set()
            if not applied:
                time.sleep(0.005)

    # given several writer processes appending while a runner catches up
    thread = threading.Thread(target=runner)
    thread.start()
    writing.set()
    writers = [
        subprocess.Popen(  # noqa: S603 - our own module
            [
                sys.executable,
                *("-m", "tests.support.appender", url),
                *(str(TICKETS), str(i), str(PAUSE_MS)),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(WRITERS)
    ]
    outputs = [w.communicate(timeout=120) for w in writers]
    writing.clear()
    done.set()
    thread.join(timeout=60)
    assert [w.returncode for w in writers] == [0] * WRITERS, outputs
    assert passes_during_writes[0] > WRITERS  # it really ran alongside them

    # when it finishes catching up
    for key, projection in host.projections.items():
        with read_transaction(host.engine) as conn:
            gen = host.active_view(conn, key).generation
        catch_up(host.source, projection, gen, batch_size=7)

    # then every logged event is in the audit trail exactly once
    events = runtime.recorder.table
    with read_transaction(host.engine) as conn:
        log_ids = list(
            conn.execute(select(events.c.id).order_by(events.c.id)).scalars()
        )
        tickets = conn.execute(
            select(func.count(distinct(events.c.originator_id)))
        ).scalar_one()
    accepted = sum(int(out.decode()) for out, _ in outputs)
    assert len(log_ids) == accepted
    assert sorted(e["position"] for e in rows(host, "audit_trail")) == log_ids

    # and the queue view's counts are the log's, ticket by ticket
    queue = rows(host, "queue_view")
    assert len(queue) == tickets == WRITERS * TICKETS
    assert sum(r["version"] for r in queue) == len(log_ids)
    expected: Counter[tuple[str | None, str, str]] = Counter()
    for row in queue:
        ticket = runtime.service.load(row["ticket_id"])
        expected[(ticket.queue, ticket.state, ticket.priority)] += 1
    with read_transaction(host.engine) as conn:
        t = host.active_view(conn, "queue_view").tables.tickets
        counted = {
            (c["queue"], c["state"], c["priority"]): c["count"]
            for c in queue_counts(conn, t, QueueFilter(states=()))
        }
    assert counted == dict(expected)
    for key in host.projections:
        assert live_digest(host, key) == fresh_digest(host, key)
