"""Check that ticket numbers handed out under contention are unique and gapless."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import select

from ticketing.aggregates.vocabulary import NUMBER_DIGITS
from ticketing.store import indexes

if TYPE_CHECKING:
    from ticketing.runtime import Runtime


def assert_gapless_numbers(runtime: Runtime, numbers: list[str]) -> None:
    """Per prefix: exactly 1..n, each once, each naming a distinct stored ticket."""
    assert len(set(numbers)) == len(numbers), "a number was handed out twice"
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        by_prefix[number[:3]].append(int(number[3:]))
        assert len(number) == 3 + NUMBER_DIGITS
    for prefix, values in by_prefix.items():
        assert sorted(values) == list(range(1, len(values) + 1)), prefix
    t = indexes.ticket_numbers_table.c
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(t.number, t.ticket_id)).all()
        c = indexes.counters_table.c
        counters = {
            str(name): int(value)
            for name, value in conn.execute(select(c.name, c.value)).all()
        }
    assert sorted(r[0] for r in rows) == sorted(numbers)
    assert len({r[1] for r in rows}) == len(rows)
    for prefix, values in by_prefix.items():
        assert counters[prefix] == len(values)
    for number, ticket_id in rows:
        assert runtime.service.load(ticket_id).number == number
