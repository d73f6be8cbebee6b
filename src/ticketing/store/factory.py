"""Infrastructure factory: eventsourcing-sqlalchemy with our datastore and recorder.

Selected with ``PERSISTENCE_MODULE=ticketing.store.factory:TicketingFactory``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyAggregateRecorder
from sqlalchemy.engine import Engine

from ticketing.store.datastore import TicketingDatastore
from ticketing.store.recorder import TicketingRecorder
from ticketing.store.schema import create_tables
from ticketing.store.streams import select_stream

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import StoredEvent

PERSISTENCE_TOPIC = "ticketing.store.factory:TicketingFactory"


class TicketingAggregateRecorder(SQLAlchemyAggregateRecorder):
    """The library's aggregate recorder (our snapshots): DDL under the schema lock,
    reads with prepared Core statements instead of an ORM query per load."""

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        table = self.events_record_cls.__table__
        with self.transaction(commit=False) as session:
            return select_stream(
                session.connection(), table, originator_id, gt, lte, desc, limit
            )

    def create_table(self) -> None:
        engine = self.datastore.engine
        if not isinstance(engine, Engine):  # pragma: no cover - built from a URL
            super().create_table()
            return
        create_tables(engine, self.tables)


class TicketingFactory(SQLAlchemyFactory):
    datastore_class = TicketingDatastore
    aggregate_recorder_class = TicketingAggregateRecorder
    application_recorder_class = TicketingRecorder
