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
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

#: A group: the values of the counter table's group columns, in column order.
Group = tuple[Any, ...]


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

    def rows(self) -> list[dict[str, Any]]:
        """One row per group that changed (key, group columns, sum deltas)."""
        out = []
        for group, values in sorted(self.by_group.items(), key=lambda g: repr(g[0])):
            if not any(values):
                continue
            row: dict[str, Any] = {"key": group_key(group)}
            row.update(zip(self.columns, group, strict=True))
            row.update(zip(self.sums, values, strict=True))
            out.append(row)
        return out

    def write(self, conn: Connection, table: Table) -> None:
        """Apply the deltas to ``table`` in the caller's transaction."""
        rows = self.rows()
        if not rows:
            return
        upsert_sums(conn, table, rows, self.sums)
        shrunk = [r["key"] for r in rows if any(r[n] < 0 for n in self.presence)]
        if shrunk:
            drop_empty(conn, table, shrunk, self.presence)


def upsert_sums(
    conn: Connection, table: Table, rows: list[dict[str, Any]], sums: Sequence[str]
) -> None:
    """Insert each row, or add its sums to the row already there (same key)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        statement: Any = pg.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={s: table.c[s] + pg.excluded[s] for s in sums},
        )
    elif dialect == "sqlite":
        lite = sqlite.insert(table)
        statement = lite.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={s: table.c[s] + lite.excluded[s] for s in sums},
        )
    else:  # pragma: no cover - SQLite and PostgreSQL are the supported stores
        msg = f"counter tables need an upsert; {dialect} is not supported"
        raise NotImplementedError(msg)
    conn.execute(statement, rows)


def drop_empty(
    conn: Connection, table: Table, keys: Iterable[str], presence: Sequence[str]
) -> None:
    """Delete the groups among ``keys`` whose presence sums are all zero."""
    keys = list(keys)
    for start in range(0, len(keys), 500):
        conn.execute(
            delete(table).where(
                table.c.key.in_(keys[start : start + 500]),
                *(table.c[name] == 0 for name in presence),
            )
        )
