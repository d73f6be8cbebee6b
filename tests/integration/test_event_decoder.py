"""The projections' event decoder gives the library mapper's events, or its errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from eventsourcing.persistence import StoredEvent

from tests.support.strategies import run_steps, scripted_steps
from ticketing.store.decoding import EventDecoder

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def _stored(row: object) -> StoredEvent:
    return StoredEvent(
        originator_id=row.originator_id,  # type: ignore[attr-defined]
        originator_version=row.originator_version,  # type: ignore[attr-defined]
        topic=row.topic,  # type: ignore[attr-defined]
        state=row.state,  # type: ignore[attr-defined]
    )


def test_every_event_of_a_history_decodes_as_the_library_decodes_it(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a history with every kind of ticket event the scripted steps make
    run_steps(runtime.service, clock, scripted_steps(12))
    source = runtime.projections.source
    rows = source.read_page(0, 10_000)
    decoder = EventDecoder(runtime.app.mapper)

    # when each row is decoded by both
    for row in rows:
        fast = decoder.to_domain_event(
            row.topic, row.originator_id, row.originator_version, row.state
        )
        library = runtime.app.mapper.to_domain_event(_stored(row))

        # then the events are of the same class with the same attributes
        assert type(fast) is type(library)
        assert vars(fast) == vars(library)
    assert len({row.topic for row in rows}) > 5


def test_a_damaged_or_unknown_event_raises_what_the_library_raises(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(1))
    row = runtime.projections.source.read_page(0, 1)[0]
    decoder = EventDecoder(runtime.app.mapper)
    cases = [
        (row.topic, b'{"timestamp": '),  # damaged JSON
        (row.topic, b"[1, 2]"),  # not an object
        ("ticketing.aggregates.ticket:Ticket.NoSuchEvent", row.state),
    ]
    for topic, state in cases:
        with pytest.raises(Exception) as fast:  # noqa: PT011 - compared below
            decoder.to_domain_event(
                topic, row.originator_id, row.originator_version, state
            )
        stored = StoredEvent(
            originator_id=row.originator_id,
            originator_version=row.originator_version,
            topic=topic,
            state=state,
        )
        with pytest.raises(Exception) as library:  # noqa: PT011 - compared below
            runtime.app.mapper.to_domain_event(stored)

        assert type(fast.value) is type(library.value)
        assert str(fast.value) == str(library.value)
