"""Infrastructure factory: eventsourcing-sqlalchemy with our datastore and recorder.

Selected with ``PERSISTENCE_MODULE=ticketing.store.factory:TicketingFactory``.
"""

from __future__ import annotations

from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory

from ticketing.store.datastore import TicketingDatastore
from ticketing.store.recorder import TicketingRecorder

PERSISTENCE_TOPIC = "ticketing.store.factory:TicketingFactory"


class TicketingFactory(SQLAlchemyFactory):
    datastore_class = TicketingDatastore
    application_recorder_class = TicketingRecorder
