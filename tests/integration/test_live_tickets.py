"""Kept tickets (``commands/live.py``): a write elsewhere is never overlooked.

Two runtimes on one database stand for two workers: each keeps the tickets
it committed, the other one's writes make that copy stale, and the version
check inside the next command's transaction must notice it (no lost update,
no false conflict, the expected version checked against the log).
"""

from __future__ import annotations

import pytest

from tests.support.runtime import AGENT_CTX
from tests.support.service import assert_chained, open_runtime, opened
from ticketing.commands import messages as m
from ticketing.errors import ConcurrencyConflictError, InvalidTransitionError

pytestmark = pytest.mark.integration


def test_a_write_by_another_worker_is_seen_by_the_next_command(db_url: str) -> None:
    with open_runtime(db_url) as a, open_runtime(db_url) as b:
        tid = opened(a)
        a.service.execute(m.TagTicket(ticket_id=tid, tag="mine"), AGENT_CTX)
        assert len(a.service.live) == 1  # a keeps the ticket at version 2
        b.service.execute(m.TagTicket(ticket_id=tid, tag="theirs"), AGENT_CTX)

        # a's copy is stale (version 2, the log has 3): no false 412 ...
        done = a.service.execute(
            m.TagTicket(ticket_id=tid, tag="third", expected_version=3), AGENT_CTX
        )
        assert done.version == 4
        # ... and no lost update: b's tag is in the state a decided on
        assert set(a.service.load(tid).tags) == {"mine", "theirs", "third"}
        assert_chained(a.recorder.select_log(0, 100))


def test_a_stale_expected_version_is_refused_against_the_log(db_url: str) -> None:
    with open_runtime(db_url) as a, open_runtime(db_url) as b:
        tid = opened(a)
        b.service.execute(m.TagTicket(ticket_id=tid, tag="theirs"), AGENT_CTX)
        with pytest.raises(ConcurrencyConflictError):
            a.service.execute(
                m.TagTicket(ticket_id=tid, tag="late", expected_version=1), AGENT_CTX
            )
        # the refused command left nothing kept: the next one folds the log
        assert a.service.live.take(tid) is None


def test_a_rejected_decision_does_not_leave_its_state_behind(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)
        service = runtime.service
        service.execute(
            m.ResolveTicket(ticket_id=tid, resolution_code="fixed"), AGENT_CTX
        )
        with pytest.raises(InvalidTransitionError):
            service.execute(
                m.ResolveTicket(ticket_id=tid, resolution_code="x"), AGENT_CTX
            )
        done = service.execute(m.ReopenTicket(ticket_id=tid, reason="again"), AGENT_CTX)
        assert done.version == 3
        assert service.load(tid).version == 3


def test_the_kept_ticket_equals_a_fold_of_the_log(db_url: str) -> None:
    with open_runtime(db_url, snapshot_interval=3) as runtime:
        tid = opened(runtime)
        service = runtime.service
        for i in range(7):
            service.execute(m.TagTicket(ticket_id=tid, tag=f"t{i}"), AGENT_CTX)
            service.execute(m.UntagTicket(ticket_id=tid, tag=f"t{i}"), AGENT_CTX)
        service.execute(m.AddComment(ticket_id=tid, body="last"), AGENT_CTX)
        kept = service.live.take(tid)
        assert kept is not None
        assert kept.version == 16
        assert kept.__dict__ == service.load(tid).__dict__
