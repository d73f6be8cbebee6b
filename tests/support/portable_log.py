"""Helpers for portable-log tests: export to bytes, import from bytes, store state."""

from __future__ import annotations

import io
import json
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from tests.support.service_history import index_rows
from ticketing.store import indexes
from ticketing.store.chain import event_hash
from ticketing.store.log_export import export_log
from ticketing.store.log_import import ImportSummary, import_event_log
from ticketing.store.portable import dump_line, field_state

if TYPE_CHECKING:
    from ticketing.runtime import Runtime


def export_bytes(runtime: Runtime, since: int = 0) -> bytes:
    out = io.BytesIO()
    summary = export_log(runtime.recorder, out, since=since)
    assert summary.broken is None, summary.broken
    return out.getvalue()


def import_bytes(
    runtime: Runtime, data: bytes, batch_size: int = 1000
) -> ImportSummary:
    return import_event_log(
        runtime.app, io.BytesIO(data).readlines(), batch_size=batch_size
    )


def store_contents(runtime: Runtime) -> dict[str, Any]:
    """Everything import may write: event count plus every write-side index row."""
    with runtime.engine.connect() as conn:
        events = conn.execute(
            select(func.count()).select_from(runtime.recorder.table)
        ).scalar_one()
        c = indexes.counters_table.c
        counters = {
            str(name): int(value)
            for name, value in conn.execute(select(c.name, c.value)).all()
        }
    return {"events": events, **index_rows(runtime), "counter_values": counters}


def is_empty(runtime: Runtime) -> bool:
    contents = store_contents(runtime)
    return (
        contents["events"] == 0
        and not contents["commands"]
        and not contents["ticket_numbers"]
        and not any(contents["counter_values"].values())
    )


def rechain(lines: list[bytes]) -> list[bytes]:
    """Recompute every link and hash of a file, as a forger who knows the format."""
    header = json.loads(lines[0])
    prev = header["after"]["hash"]
    out: list[bytes] = []
    for number, raw in enumerate(lines[1:], start=2):
        event = json.loads(raw)
        event["prev_hash"] = prev
        event["hash"] = event_hash(
            prev,
            event["position"],
            uuid.UUID(event["originator_id"]),
            event["originator_version"],
            event["topic"],
            field_state(number, event),
            event["recorded_at"],
        )
        prev = event["hash"]
        out.append(dump_line(event))
    header["events"] = len(out)
    header["last"] = {
        "position": json.loads(out[-1])["position"] if out else 0,
        "hash": prev,
    }
    return [dump_line(header), *out]
