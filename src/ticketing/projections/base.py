"""What a projection is: a name, a code version, its own tables, and a batch handler.

The engine (catchup.py) feeds decoded events in position order, a batch at a
time, and commits the projection's writes together with its checkpoint.
Handlers are pure functions of the events they are given: they never read the
clock, other projections, or anything but their own tables.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, Literal, TypeVar
from uuid import UUID

from sqlalchemy import MetaData

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

TablesT = TypeVar("TablesT")

#: How much of each event a projection's ``apply`` reads. Decoding costs as
#: much as a projection's own work, so catch-up decodes no more than the
#: projections it feeds need (the richest of them when it feeds several):
#:
#: - ``"full"``: the event exactly as the write model's mapper builds it;
#: - ``"fields"``: the event class's declared fields, envelope included
#:   (``store/lightdecode.py``; a stored key the class does not declare is
#:   not kept);
#: - ``"fields_no_envelope"``: the same without ``meta`` (its tag is checked,
#:   its content not decoded; reading ``event.meta`` raises AttributeError).
EventDetail = Literal["full", "fields", "fields_no_envelope"]
_RICHNESS: Final[dict[str, int]] = {"fields_no_envelope": 0, "fields": 1, "full": 2}


def richest(details: Iterable[EventDetail]) -> EventDetail:
    """The detail that serves every reader of ``details`` (``"full"`` if none)."""
    found = list(details)
    return max(found, key=_RICHNESS.__getitem__) if found else "full"


@dataclass(frozen=True, slots=True)
class LogEvent:
    """A decoded event with its place in the log and its store time."""

    position: int
    recorded_at: datetime
    topic: str
    event: Any

    @property
    def originator_id(self) -> UUID:
        value = self.event.originator_id
        return value if isinstance(value, UUID) else UUID(str(value))

    @property
    def version(self) -> int:
        return int(self.event.originator_version)

    @property
    def event_type(self) -> str:
        return type(self.event).__name__


class Projection(ABC, Generic[TablesT]):
    """A read model. Subclasses set ``key``, ``code_version`` and ``topics``."""

    key: str
    code_version: int
    #: Event topics the projection needs; empty means every event.
    topics: tuple[str, ...] = ()
    #: What ``apply`` reads of each event (see ``EventDetail``).
    event_detail: EventDetail = "full"

    def __init__(self) -> None:
        self._tables: dict[str, TablesT] = {}

    def tables(self, prefix: str) -> TablesT:
        """The table objects of one generation (cached per prefix)."""
        if prefix not in self._tables:
            self._tables[prefix] = self.define_tables(MetaData(), prefix)
        return self._tables[prefix]

    @abstractmethod
    def define_tables(self, metadata: MetaData, prefix: str) -> TablesT:
        """Declare this projection's tables, every name starting with ``prefix``."""

    @abstractmethod
    def all_tables(self, tables: TablesT) -> Sequence[Table]:
        """Every table, in creation order."""

    def digest_tables(self, tables: TablesT) -> Sequence[Table]:
        """The tables whose content defines the projection (default: all)."""
        return self.all_tables(tables)

    def aggregate_tables(self, tables: TablesT) -> Sequence[Table]:
        """Tables derived from the digest tables, kept by delta (default: none).

        Out of the digest; ``verify-projection`` compares them row for row."""
        return ()

    def backfill(self, conn: Connection, tables: TablesT, created: set[str]) -> None:
        """Fill tables just added to an existing generation (names in ``created``)
        from its other tables: a new aggregate, without a rebuild. Default: none."""

    @abstractmethod
    def apply(
        self, conn: Connection, tables: TablesT, events: Sequence[LogEvent]
    ) -> None:
        """Apply a batch of events (in position order) to the tables."""
