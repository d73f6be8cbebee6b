"""Load and play the replay corpus (replay/corpus/<name>/commands.jsonl).

One JSON object per line::

    {"at": "2026-03-02T09:00:00Z",
     "actor": {"id": "alice", "role": "agent", "kind": "human"},
     "id": "c2", "command": "route_ticket", "ticket": "c1",
     "args": {"queue": "network"},
     "correlation_id": "...", "causation_id": "...", "rule_id": "...",
     "rule_set_version": "...", "expect": "invalid_transition"}

``at`` sets the clock (occurred_at and recorded_at); ``id`` is the command id;
``ticket`` / ``target`` name the *open* command of the ticket addressed (its id
is derived from that command id); ``expect`` is the error code of a command
the domain must refuse (it writes nothing). Expected outputs sit next to it:
``queue_view.json`` (rows by number) and ``audit_trail.json`` (by position).

``python -m tests.support.corpus`` rewrites the expected outputs from the
current code: review the diff before committing it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.projections import T0, catch_up_all, rows, start_runtime
from ticketing.aggregates.envelope import Actor
from ticketing.clock import SettableClock
from ticketing.commands.parsing import parse_command
from ticketing.commands.service import CommandContext
from ticketing.errors import TicketingError
from ticketing.ids import ticket_id_for_key

if TYPE_CHECKING:
    from ticketing.runtime import Runtime

CORPUS = Path(__file__).resolve().parents[2] / "replay" / "corpus"


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    data: dict[str, Any]


def histories() -> list[str]:
    return sorted(p.parent.name for p in CORPUS.glob("*/commands.jsonl"))


def read_lines(name: str) -> list[Line]:
    path = CORPUS / name / "commands.jsonl"
    out = []
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if text.strip():
            out.append(Line(number, json.loads(text)))
    return out


def play(runtime: Runtime, clock: SettableClock, lines: list[Line]) -> None:
    """Execute every line; a line's outcome must be the one it expects."""
    for line in lines:
        d = line.data
        clock.set(datetime.fromisoformat(d["at"]))
        args = dict(d.get("args", {}))
        args["command_id"] = d["id"]
        for key, field in (("ticket", "ticket_id"), ("target", "target_id")):
            if key in d:
                args[field] = str(ticket_id_for_key(d[key]))
        ctx = CommandContext(
            actor=Actor(**d["actor"]),
            correlation_id=d.get("correlation_id"),
            causation_id=d.get("causation_id"),
            rule_id=d.get("rule_id"),
            rule_set_version=d.get("rule_set_version"),
        )
        try:
            runtime.service.execute(parse_command(d["command"], args), ctx)
        except TicketingError as exc:
            if exc.code != d.get("expect"):
                msg = f"line {line.number}: {exc.code}: {exc.message}"
                raise AssertionError(msg) from exc
        else:
            if "expect" in d:
                msg = f"line {line.number}: expected {d['expect']}, it was accepted"
                raise AssertionError(msg)


def outputs(runtime: Runtime) -> dict[str, list[dict[str, Any]]]:
    """The queue view (by number) and audit trail (by position), as plain JSON."""
    host = runtime.projections
    queue = sorted(rows(host, "queue_view"), key=lambda r: str(r["number"]))
    audit = sorted(rows(host, "audit_trail"), key=lambda r: int(r["position"]))
    for entry in audit:
        entry["data"] = json.loads(str(entry["data"]))
        entry["changes"] = json.loads(str(entry["changes"]))
    return {"queue_view": queue, "audit_trail": audit}


def replay(url: str, name: str) -> tuple[Runtime, dict[str, list[dict[str, Any]]]]:
    """Play history ``name`` into the database at ``url``; return its outputs."""
    clock = SettableClock(T0)
    runtime = start_runtime(url, clock)
    play(runtime, clock, read_lines(name))
    catch_up_all(runtime.projections)
    return runtime, outputs(runtime)


def expected(name: str, output: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (CORPUS / name / f"{output}.json").read_text()
    )
    return data


def write_expected() -> None:
    for name in histories():
        runtime, produced = replay("sqlite:///:memory:", name)
        runtime.close()
        for output, content in produced.items():
            path = CORPUS / name / f"{output}.json"
            path.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n")
            sys.stdout.write(f"wrote {path.relative_to(CORPUS.parent.parent)}\n")


if __name__ == "__main__":
    write_expected()
