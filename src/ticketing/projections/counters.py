"""Counter tables: aggregates a projection keeps next to its rows, by delta.

A counter table has a text primary key ``key`` (the canonical JSON of the
group it counts, so groups with NULLs have one unambiguous key), the group's
columns (for filtering in SQL) and integer sums. A batch adds up its changes
per group in memory (``Deltas``) and writes them with one upsert per group
(``sum = sum + delta``) in the projection's own transaction, so the counters
move with the rows and the checkpoint. Sums are integers: the result does not
depend on how events were cut into batches nor on the order of additions. A
group whose presence sums fall back to zero is deleted, so a table holds the
same rows whichever way the log was fed to it (a rebuild in one go, or a live
runner batch by batch).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

#: A group: the values of the counter table's group columns, in column order.
Group = tuple[Any, ...]


@lru_cache(maxsize=65536)
def group_key(group: Group) -> str:
    """The primary key of a group: its values as compact JSON."""
    return json.dumps(list(group), separators=(",", ":"))


class Deltas:
    """Changes to a counter table, summed per group.

    ``columns`` names the group columns (in ``Group`` order), ``sums`` the
    integer columns; ``presence`` the sums whose total says whether a group
    exists at all (a count).
    """

    def __init__(
        self, columns: Sequence[str], sums: Sequence[str], presence: Sequence[str]
    ) -> None:
        self.columns, self.sums, self.presence = tuple(columns), tuple(sums), presence
        self.by_group: dict[Group, list[int]] = defaultdict(lambda: [0] * len(sums))

    def add(self, group: Group, values: Sequence[int], sign: int = 1) -> None:
        acc = self.by_group[group]
        for i, value in enumerate(values):
            acc[i] += sign * value

    def rows(self) -> list[tuple[Any, ...]]:
        """``(key, *group, *sums)`` per group that changed, in key order."""
        out = [
            (group_key(group), *group, *values)
            for group, values in self.by_group.items()
            if any(values)
        ]
        out.sort(key=itemgetter(0))
        return out

    def as_dicts(self) -> list[dict[str, Any]]:
        """``rows`` as dicts by column name (what the table holds, for tests)."""
        names = ("key", *self.columns, *self.sums)
        return [dict(zip(names, row, strict=True)) for row in self.rows()]

    def write(self, conn: Connection, table: Table) -> None:
        """Apply the deltas to ``table`` in the caller's transaction."""
        rows = self.rows()
        if not rows:
            return
        sql = _statements(conn, table, self.columns, self.sums, self.presence)
        conn.exec_driver_sql(sql.upsert, rows)
        first = 1 + len(self.columns)
        where = [first + self.sums.index(n) for n in self.presence]
        shrunk = [(r[0],) for r in rows if any(r[i] < 0 for i in where)]
        if shrunk:
            # a group that fell to zero is deleted (canonical tables)
            conn.exec_driver_sql(sql.drop_empty, shrunk)


@dataclass(frozen=True, slots=True)
class _Sql:
    upsert: str
    drop_empty: str


_SQL: dict[tuple[str, str], _Sql] = {}


def _statements(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    sums: Sequence[str],
    presence: Sequence[str],
) -> _Sql:
    """The upsert and the delete of empty groups, as driver SQL (built once).

    Plain ``INSERT ... ON CONFLICT (key) DO UPDATE SET s = t.s + excluded.s``
    (SQLite >= 3.24 and PostgreSQL): through the driver's ``executemany``
    with tuples, SQLAlchemy's per-row work costs more than the statement.
    """
    dialect = conn.dialect
    found = _SQL.get((dialect.name, table.name))
    if found is None:
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        name = quote(table.name)
        names = ["key", *columns, *sums]
        listed = ", ".join(quote(n) for n in names)
        marks = ", ".join([mark] * len(names))
        added = ", ".join(
            f"{quote(n)} = {name}.{quote(n)} + excluded.{quote(n)}" for n in sums
        )
        empty = " AND ".join(f"{quote(n)} = 0" for n in presence)
        key = quote("key")
        upsert = f"INSERT INTO {name} ({listed}) VALUES ({marks}) "  # noqa: S608 - quoted identifiers, bound values
        upsert += f"ON CONFLICT ({key}) DO UPDATE SET {added}"
        drop = f"DELETE FROM {name} WHERE {key} = {mark} AND {empty}"  # noqa: S608 - the same
        found = _SQL[dialect.name, table.name] = _Sql(upsert, drop)
    return found
