"""Upcasting: an event stored under an older class version is read as the current one.

The procedure this test documents (docs/event-log.md, "Upcasting"):

1. Never edit or move a stored event class (its topic is in every stored row).
2. To change an event's fields, bump ``class_version`` and add a static method
   ``upcast_v{n}_v{n+1}(state: dict) -> None`` that rewrites the stored dict of
   version n into version n+1 in place. The library's Mapper calls the chain
   ``upcast_v1_v2``, ``upcast_v2_v3``, ... on every read; stored rows (and their
   hash chain) are never rewritten. New events are written with
   ``"class_version": n+1`` in their state.
3. Snapshots store aggregate state: an aggregate whose attributes change bumps
   the aggregate's own ``class_version`` with its own ``upcast_v{n}_v{n+1}``, or
   its snapshot rows are deleted (they are a cache, outside the hash chain).

``Gadget`` below is a stand-in defined here, so no real ticket event has to be
versioned for the test: its ``Commented`` event is at version 2, and the v1 row
is written by hand exactly as the old code would have stored it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent

from tests.support.service import assert_chained, open_runtime

if TYPE_CHECKING:
    import uuid

pytestmark = pytest.mark.integration

MODULE = __name__


class Gadget(Aggregate):
    """A test-only aggregate with one evolved event and evolved state."""

    class_version = 2

    class Registered(Aggregate.Created):
        name: str

    class Commented(Aggregate.Event):
        """v1 stored only ``body``; v2 added ``visibility`` (old ones were public)."""

        class_version = 2
        body: str
        visibility: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["visibility"] = "public"

    @event(Registered)
    def __init__(self, name: str) -> None:
        self.name = name
        self.comments: list[tuple[str, str]] = []
        self.colour = "grey"

    @event(Commented)
    def comment(self, body: str, visibility: str) -> None:
        self.comments.append((body, visibility))

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Snapshot state of v1 had no ``colour``."""
        state["colour"] = "grey"


def v1_comment(gadget_id: uuid.UUID, version: int, body: str) -> StoredEvent:
    """The row the v1 code wrote: no ``class_version`` key, no ``visibility``."""
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2019-05-06T14:30:00+00:00"},
        "body": body,
    }
    return StoredEvent(
        originator_id=gadget_id,
        originator_version=version,
        topic=f"{MODULE}:Gadget.Commented",
        state=json.dumps(state, separators=(",", ":")).encode(),
    )


def test_a_v1_event_is_read_through_the_upcaster(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        app = runtime.app
        gadget = Gadget(name="printer")
        app.save(gadget)
        old_row = v1_comment(gadget.id, 2, "from the old days")
        runtime.recorder.insert_events([old_row])

        # the mapper upcasts the stored v1 dict on read
        (stored,) = runtime.recorder.select_events(gadget.id, gt=1)
        domain_event = app.mapper.to_domain_event(stored)
        assert isinstance(domain_event, Gadget.Commented)
        assert (domain_event.body, domain_event.visibility) == (
            "from the old days",
            "public",
        )

        # the aggregate folds it like any v2 event, and new events are v2
        loaded = cast("Gadget", app.repository.get(gadget.id))
        assert loaded.comments == [("from the old days", "public")]
        loaded.comment("a new one", "internal")
        app.save(loaded)
        records = runtime.recorder.select_log(0, 10)

    # the old row is untouched (and still chained); the new row says v2
    assert records[1].state == old_row.state
    assert b"class_version" not in records[1].state
    assert json.loads(records[2].state)["class_version"] == 2
    assert_chained(records)


def test_a_v1_snapshot_is_read_through_the_aggregate_upcaster(db_url: str) -> None:
    with open_runtime(db_url, snapshot_interval=10) as runtime:
        app = runtime.app
        gadget = Gadget(name="printer")
        app.save(gadget)
        v1_state = {
            "timestamp": {
                "_type_": "datetime_iso",
                "_data_": "2019-05-06T14:30:00+00:00",
            },
            "topic": f"{MODULE}:Gadget",
            "state": {
                "_created_on": {
                    "_type_": "datetime_iso",
                    "_data_": "2019-05-06T14:00:00+00:00",
                },
                "_modified_on": {
                    "_type_": "datetime_iso",
                    "_data_": "2019-05-06T14:00:00+00:00",
                },
                "name": "printer (from snapshot)",
                "comments": [],
            },
        }
        assert app.snapshots is not None
        app.snapshots.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=gadget.id,
                    originator_version=1,
                    topic="eventsourcing.domain:Snapshot",
                    state=json.dumps(v1_state).encode(),
                )
            ]
        )

        loaded = cast("Gadget", app.repository.get(gadget.id))

    assert (loaded.name, loaded.colour) == ("printer (from snapshot)", "grey")
