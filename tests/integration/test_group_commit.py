"""Group commit: concurrent commands share a transaction, each stays atomic.

Groups are made deterministic by holding the leader's own command until the
others have queued behind it; the next leader then takes them all as one
group. Checked: every command's outcome is its own (accepted, rejected or
failed with the commit), nothing of a rejected command or a failed group is
in the log, the chain holds, and an integrity error inside a group is
decided again on its own.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from tests.support.runtime import AGENT_CTX
from tests.support.service import assert_chained, open_runtime, opened
from ticketing.commands import messages as m
from ticketing.errors import ConcurrencyConflictError, TicketNotFoundError
from ticketing.ids import ticket_id_for_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Future
    from uuid import UUID

    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from ticketing.commands.service import CommandResult
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def _held_leader(runtime: Runtime) -> tuple[threading.Event, threading.Event]:
    """Hold the next command inside its attempt: ``entered`` is set once it
    runs (its group taken, alone), and it goes on when ``go`` is set."""
    group = runtime.service.group
    group.enabled = True  # the default on SQLite; forced on PostgreSQL too
    entered, go = threading.Event(), threading.Event()
    original = group.run
    lock, claimed = threading.Lock(), [False]

    def run(attempt: Callable[[Connection], Any]) -> Any:
        with lock:
            first, claimed[0] = not claimed[0], True
        if not first:
            return original(attempt)

        def held(conn: Connection) -> Any:
            entered.set()
            assert go.wait(30)
            return attempt(conn)

        return original(held)

    group.run = run  # type: ignore[method-assign]
    return entered, go


def _queue_behind(
    runtime: Runtime, commands: list[m.Command]
) -> list[Future[CommandResult]]:
    """Run ``commands`` concurrently, all queued behind a held leader."""
    entered, go = _held_leader(runtime)
    pool = ThreadPoolExecutor(len(commands) + 1)
    service = runtime.service
    first = m.AddComment(ticket_id=_ids(commands)[0], body="leader")
    futures = [pool.submit(service.execute, first, AGENT_CTX)]
    assert entered.wait(30)
    futures += [pool.submit(service.execute, c, AGENT_CTX) for c in commands]
    deadline = time.monotonic() + 30
    while len(service.group._queue) < len(commands):
        assert time.monotonic() < deadline, "commands did not queue"
        time.sleep(0.005)
    go.set()
    pool.shutdown(wait=True)
    futures[0].result()
    return futures[1:]


def _ids(commands: list[m.Command]) -> list[UUID]:
    return [c.ticket_id for c in commands if isinstance(c, m.TicketCommand)]


def _versions(runtime: Runtime, ticket_id: UUID) -> list[int]:
    return [
        r.originator_version
        for r in runtime.recorder.select_log(0, 10_000)
        if r.originator_id == ticket_id
    ]


def test_queued_commands_commit_as_one_group(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        tickets = [opened(runtime, title=f"t{i}") for i in range(3)]
        commands: list[m.Command] = [
            m.AddComment(ticket_id=tickets[i % 3], body=f"c{i}") for i in range(6)
        ]
        futures = _queue_behind(runtime, commands)
        results = [f.result() for f in futures]

        group = runtime.service.group
        assert (group.groups, group.grouped) == (1, 6)
        assert all(not r.replayed for r in results)
        # one position each (queue order is the threads' arrival order)
        assert len({r.position for r in results}) == len(results)
        for ticket_id in tickets:  # no version twice, none skipped
            assert _versions(runtime, ticket_id) == list(
                range(1, len(_versions(runtime, ticket_id)) + 1)
            )
        assert_chained(runtime.recorder.select_log(0, 1000))
        # the kept tickets are the log's: a fresh fold agrees
        for ticket_id in tickets:
            kept = runtime.service.live.take(ticket_id)
            assert kept is not None
            assert kept.__dict__ == runtime.service.load(ticket_id).__dict__


def test_a_rejected_command_in_a_group_writes_nothing(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)
        missing = ticket_id_for_key("no-such-ticket")
        commands: list[m.Command] = [
            m.AddComment(ticket_id=tid, body="before"),
            m.AddComment(ticket_id=tid, body="stale", expected_version=1),
            m.AddComment(ticket_id=missing, body="nowhere"),
            m.AddComment(ticket_id=tid, body="after"),
        ]
        futures = _queue_behind(runtime, commands)

        assert futures[0].result().version == 3  # open, leader's comment, this
        with pytest.raises(ConcurrencyConflictError):
            futures[1].result()
        with pytest.raises(TicketNotFoundError):
            futures[2].result()
        assert futures[3].result().version == 4
        assert runtime.service.group.grouped == 4
        assert _versions(runtime, tid) == [1, 2, 3, 4]
        assert_chained(runtime.recorder.select_log(0, 1000))


def test_a_failed_group_commit_fails_every_command_and_writes_nothing(
    db_url: str,
) -> None:
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)
        head = runtime.recorder.max_notification_id()
        group = runtime.service.group
        begin = group.begin
        failing = {"on": False}

        @contextlib.contextmanager
        def begin_then_fail() -> Iterator[Session]:
            with begin() as session:
                yield session
                if failing["on"]:
                    session.rollback()
                    raise OperationalError("disk I/O error (simulated at commit)")

        group.begin = begin_then_fail
        commands: list[m.Command] = [
            m.AddComment(ticket_id=tid, body=f"c{i}") for i in range(3)
        ]
        entered, go = _held_leader(runtime)
        pool = ThreadPoolExecutor(4)
        leader = pool.submit(
            runtime.service.execute, m.AddComment(ticket_id=tid, body="l"), AGENT_CTX
        )
        assert entered.wait(30)
        futures = [pool.submit(runtime.service.execute, c, AGENT_CTX) for c in commands]
        while len(group._queue) < len(commands):
            time.sleep(0.005)
        failing["on"] = True
        go.set()
        with pytest.raises(OperationalError):
            leader.result()  # a group of one: its own commit failed
        for future in futures:
            with pytest.raises(OperationalError):
                future.result()
        pool.shutdown(wait=True)

        assert runtime.recorder.max_notification_id() == head  # nothing written
        group.begin = begin
        # nothing kept from the failed group: the next command sees the log
        after = runtime.service.execute(
            m.AddComment(ticket_id=tid, body="x"), AGENT_CTX
        )
        assert after.version == 2
        assert_chained(runtime.recorder.select_log(0, 1000))


def test_an_integrity_error_in_a_group_is_decided_again_alone(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)
        group = runtime.service.group
        calls = {"n": 0}

        def clashing(conn: Connection) -> str:
            calls["n"] += 1
            if calls["n"] == 1:
                raise IntegrityError("a concurrent writer took this version")
            return "second try"

        entered, go = _held_leader(runtime)
        pool = ThreadPoolExecutor(3)
        leader = pool.submit(
            runtime.service.execute, m.AddComment(ticket_id=tid, body="l"), AGENT_CTX
        )
        assert entered.wait(30)
        clash = pool.submit(group.run, clashing)
        other = pool.submit(
            runtime.service.execute, m.AddComment(ticket_id=tid, body="o"), AGENT_CTX
        )
        while len(group._queue) < 2:
            time.sleep(0.005)
        go.set()
        pool.shutdown(wait=True)
        leader.result()
        assert clash.result() == "second try"
        assert calls["n"] == 2
        assert other.result().version == 3
        assert_chained(runtime.recorder.select_log(0, 1000))


def test_groups_are_on_by_default_on_sqlite_only(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        expected = runtime.engine.dialect.name == "sqlite"
        assert runtime.service.group.enabled is expected


@pytest.mark.parametrize("grouping", [True, False])
def test_threads_hammering_few_tickets_lose_nothing(
    db_url: str, grouping: bool
) -> None:
    with open_runtime(db_url) as runtime:
        runtime.service.group.enabled = grouping
        tickets = [opened(runtime, title=f"t{i}") for i in range(4)]
        per_thread, threads = 15, 8

        def work(w: int) -> tuple[list[CommandResult], int]:
            done, lost = [], 0
            for i in range(per_thread):
                command = m.AddComment(ticket_id=tickets[(w + i) % 4], body=f"{w}-{i}")
                try:
                    done.append(runtime.service.execute(command, AGENT_CTX))
                except ConcurrencyConflictError:
                    lost += 1  # ungrouped PostgreSQL: a lost race is a 409
            return done, lost

        with ThreadPoolExecutor(threads) as pool:
            outcomes = [
                f.result() for f in [pool.submit(work, w) for w in range(threads)]
            ]
        results = [r for done, _ in outcomes for r in done]
        lost = sum(n for _, n in outcomes)

        if grouping or runtime.engine.dialect.name == "sqlite":
            assert lost == 0  # one writer per process: no races at all
        assert len(results) + lost == per_thread * threads
        assert len({r.command_id for r in results}) == len(results)
        total = 0
        for ticket_id in tickets:
            versions = _versions(runtime, ticket_id)
            assert versions == list(range(1, len(versions) + 1))
            total += len(versions) - 1
            assert runtime.service.load(ticket_id).version == len(versions)
        assert total == len(results)  # every accepted comment exactly once
        assert_chained(runtime.recorder.select_log(0, 10_000))
