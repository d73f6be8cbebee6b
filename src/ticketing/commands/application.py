"""The eventsourcing Application that owns the log of ticket events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast
from uuid import UUID

from eventsourcing.application import Application

from ticketing.aggregates.envelope import EnvelopeAsDict
from ticketing.aggregates.ticket import Ticket
from ticketing.store.codec import FastJSONTranscoder
from ticketing.store.factory import PERSISTENCE_TOPIC

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate
    from eventsourcing.persistence import JSONTranscoder

    from ticketing.store.recorder import TicketingRecorder

#: Pinned: the tables are ``ticketing_events`` and ``ticketing_snapshots``.
APPLICATION_NAME: Final = "ticketing"


class TicketingApplication(Application[UUID]):
    """Event store + repository for tickets; one instance per process."""

    name = APPLICATION_NAME

    def __init__(self, db_url: str, snapshot_interval: int = 0) -> None:
        env = {
            "PERSISTENCE_MODULE": PERSISTENCE_TOPIC,
            "SQLALCHEMY_URL": db_url,
            "IS_SNAPSHOTTING_ENABLED": "y" if snapshot_interval > 0 else "n",
        }
        self.snapshot_interval = snapshot_interval
        super().__init__(env=env)

    def save_aggregate(self, aggregate: Aggregate, **kwargs: Any) -> None:
        """Append pending events; snapshot tickets every ``snapshot_interval``."""
        first = aggregate.version - len(aggregate.pending_events) + 1
        self.save(aggregate, **kwargs)
        interval = self.snapshot_interval
        if (
            isinstance(aggregate, Ticket)
            and interval > 0
            and any(v % interval == 0 for v in range(first, aggregate.version + 1))
        ):
            self.take_snapshot(aggregate.id, version=aggregate.version)

    def construct_transcoder(self) -> FastJSONTranscoder:
        """The library's JSON format, decoded faster (``store/codec.py``)."""
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(EnvelopeAsDict())

    @property
    def log_recorder(self) -> TicketingRecorder:
        """The hash-chained recorder of the global log."""
        return cast("TicketingRecorder", self.recorder)
