"""The bulk append path (many tickets per transaction, as an import does it).

On PostgreSQL appends of 100 rows or more go through COPY; these tests pin that
the rows, the hash chain and the error behaviour are those of the INSERT path.
"""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from tests.support.builders import Timeline, draft
from tests.support.service import assert_chained, open_runtime
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import format_number
from ticketing.store.recorder import PG_COPY_MIN_ROWS

pytestmark = pytest.mark.integration

AWKWARD_TOPICS = ["a\tb", "line\nbreak", "back\\slash", "cr\rhere", "ünïcødé ✓"]


def tickets(count: int) -> list[Ticket]:
    out = []
    for i in range(count):
        timeline = Timeline()
        t = Ticket.open(
            uuid.uuid4(),
            timeline.next(),
            draft(number=format_number("incident", i + 1)),
        )
        t.route(timeline.next(), "desk", None)
        t.comment(
            timeline.next(), "tab\there, newline\nthere, \\ and ✓", "public", "agent"
        )
        out.append(t)
    return out


def test_many_tickets_in_one_save_read_back_equal(db_url: str) -> None:
    batch = tickets(PG_COPY_MIN_ROWS)  # 3 events each: well over the COPY threshold
    with open_runtime(db_url) as runtime:
        runtime.app.save(*batch)

        records = runtime.recorder.select_log(0, 10_000)
        assert [r.id for r in records] == list(range(1, 3 * len(batch) + 1))
        assert_chained(records)
        for ticket in batch[:: len(batch) // 10]:
            assert runtime.service.load(ticket.id) == ticket


def test_awkward_bytes_and_topics_survive_the_bulk_path(db_url: str) -> None:
    oid = uuid.uuid4()
    states = [bytes(range(256)), b"", b"\\x00", b"\t\n\r\\", b"\x00" * 3]
    stored = [
        StoredEvent(oid, version, AWKWARD_TOPICS[version % 5], states[version % 5])
        for version in range(1, PG_COPY_MIN_ROWS + 1)
    ]
    with open_runtime(db_url) as runtime:
        runtime.recorder.insert_events(stored)
        back = runtime.recorder.select_events(oid)
        records = runtime.recorder.select_log(0, 1000)

    assert [(e.originator_version, e.topic, e.state) for e in back] == [
        (s.originator_version, s.topic, s.state) for s in stored
    ]
    assert_chained(records)


@pytest.mark.parametrize("size", [1, PG_COPY_MIN_ROWS])
def test_a_duplicate_in_a_bulk_append_rolls_everything_back(
    db_url: str, size: int
) -> None:
    oid = uuid.uuid4()
    with open_runtime(db_url) as runtime:
        runtime.recorder.insert_events([StoredEvent(oid, 1, "t", b"{}")])
        before = runtime.recorder.select_log(0, 1000)
        clash = [StoredEvent(uuid.uuid4(), v, "t", b"{}") for v in range(1, size)]
        clash.append(StoredEvent(oid, 1, "t", b"{}"))

        with pytest.raises(IntegrityError):
            runtime.recorder.insert_events(clash)

        assert runtime.recorder.select_log(0, 1000) == before
        # and the log takes the next append normally
        assert runtime.recorder.insert_events([StoredEvent(oid, 2, "t", b"{}")]) == [2]
