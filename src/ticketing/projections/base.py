"""What a projection is: a name, a code version, its own tables, and a batch handler.

The engine (catchup.py) feeds decoded events in position order, a batch at a
time, and commits the projection's writes together with its checkpoint.
Handlers are pure functions of the events they are given: they never read the
clock, other projections, or anything but their own tables.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import MetaData

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

TablesT = TypeVar("TablesT")


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
