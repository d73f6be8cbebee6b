"""``ticketing import events`` refuses bad files: exit 2, line named, store untouched.

Sample file: line 1 is the header, line L holds the event at position L - 1
(tickets: 1 a, 2 b, 3 a, 4 c, 5 a, 6 b, 7 a, 8 c, 9 a, ... 17 b).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from tests.support.portable_log import export_bytes, is_empty, rechain
from tests.support.service_history import runtime_for, write_sample_history
from ticketing.cli import app
from ticketing.store.portable import dump_line

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

pytestmark = pytest.mark.integration

Lines = list[bytes]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Lines:
    url = f"sqlite:///{tmp_path_factory.mktemp('source') / 'source.db'}"
    with runtime_for(url) as runtime:
        write_sample_history(runtime)
        return export_bytes(runtime).splitlines(keepends=True)


def edit(
    line: int, change: Callable[[dict[str, Any]], object]
) -> Callable[[Lines], Lines]:
    def apply(lines: Lines) -> Lines:
        value = json.loads(lines[line - 1])
        change(value)
        return [*lines[: line - 1], dump_line(value), *lines[line:]]

    return apply


def replace(line: int, raw: bytes) -> Callable[[Lines], Lines]:
    return lambda lines: [*lines[: line - 1], raw, *lines[line:]]


def then_rechain(step: Callable[[Lines], Lines]) -> Callable[[Lines], Lines]:
    return lambda lines: rechain(step(lines))


def _set(key: str, value: object) -> Callable[[dict[str, Any]], object]:
    return lambda d: d.__setitem__(key, value)


def _set_state(
    path: tuple[str, ...], value: object
) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        target = d["state"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


COMMAND_ID = ("meta", "_data_", "command_id")


def command_id(lines: Lines, line: int) -> str:
    value: str = json.loads(lines[line - 1])["state"]["meta"]["_data_"]["command_id"]
    return value


#: name -> (how to break the sample file, the line named, what the error says)
BREAKAGES: dict[str, tuple[Callable[[Lines], Lines], int, str]] = {
    "empty file": (lambda _: [], 1, "the file is empty"),
    "malformed JSON": (replace(5, b'{"position": 4,\n'), 5, "malformed JSON"),
    "not an object": (replace(3, b"[1, 2]\n"), 3, "must be a JSON object"),
    "not UTF-8": (replace(4, b'{"position": "\xff"}\n'), 4, "not UTF-8"),
    "blank line": (lambda ls: [*ls[:2], b"\n", *ls[2:]], 3, "empty line"),
    "NaN": (replace(4, b'{"position": NaN}\n'), 4, "NaN is not JSON"),
    "duplicate key": (replace(4, b'{"a": 1, "a": 2}\n'), 4, "duplicate key 'a'"),
    "wrong format": (edit(1, _set("format", "csv")), 1, "not a ticketing event log"),
    "wrong version": (edit(1, _set("version", 2)), 1, "unsupported format version 2"),
    "header field missing": (
        edit(1, lambda d: d.pop("last")),
        1,
        "missing field(s): last",
    ),
    "event field missing": (
        edit(4, lambda d: d.pop("topic")),
        4,
        "missing field(s): topic",
    ),
    "unknown field": (edit(4, _set("extra", 1)), 4, "unknown field(s): extra"),
    "two states": (
        edit(4, _set("state_base64", "e30=")),
        4,
        "exactly one of state, state_base64",
    ),
    "bad base64": (
        edit(4, lambda d: d.update(state_base64="%%%") or d.pop("state")),
        4,
        "state_base64 must be base64",
    ),
    "uppercase UUID": (
        edit(4, lambda d: d.update(originator_id=d["originator_id"].upper())),
        4,
        "canonical form",
    ),
    "bad hash": (edit(4, _set("hash", "xyz")), 4, "64 lowercase hex digits"),
    "position not a number": (edit(4, _set("position", "3")), 4, "position must be"),
    "naive time": (
        edit(4, _set("recorded_at", "2026-03-02T09:00:00")),
        4,
        "recorded_at must be an ISO 8601 time with a UTC offset",
    ),
    "edited payload": (
        edit(6, _set_state(("agent_id",), "mallory")),
        6,
        "broken chain at position 5: the event's content does not match its hash",
    ),
    "deleted line": (
        lambda ls: [*ls[:5], *ls[6:]],
        6,
        "broken chain at position 6: prev_hash does not match",
    ),
    "swapped lines": (
        lambda ls: [*ls[:5], ls[6], ls[5], *ls[7:]],
        6,
        "broken chain at position 6",
    ),
    "truncated file": (lambda ls: ls[:-3], 15, "it is truncated or altered"),
    "extra line": (lambda ls: [*ls, ls[-1]], 19, "more events than the 17"),
    "version gap (rechained)": (
        then_rechain(lambda ls: [*ls[:5], *ls[6:]]),
        7,
        "where version 3 was due",
    ),
    "duplicate number (rechained)": (
        then_rechain(edit(5, _set_state(("number",), "INC0000001"))),
        5,
        "ticket number INC0000001 was already opened at line 2",
    ),
    "unknown topic (rechained)": (
        then_rechain(edit(3, _set("topic", "ticketing.aggregates.ticket:Ticket.Nope"))),
        3,
        "cannot decode the event at position 2",
    ),
    "reused command id (rechained)": (
        then_rechain(
            lambda ls: edit(10, _set_state(COMMAND_ID, command_id(ls, 4)))(ls)
        ),
        10,
        "reappears at position 9",
    ),
}


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_a_bad_file_is_refused_naming_the_line(
    name: str, sample: Lines, sqlite_url: str, tmp_path: Path
) -> None:
    breakage, line, message = BREAKAGES[name]
    file = tmp_path / "bad.jsonl"
    file.write_bytes(b"".join(breakage(list(sample))))

    result = CliRunner().invoke(
        app, ["--db", sqlite_url, "import", "events", str(file)]
    )

    assert result.exit_code == 2, result.output
    assert f"error: line {line}: " in result.stderr
    assert message in result.stderr
    with runtime_for(sqlite_url) as runtime:
        assert is_empty(runtime)


def test_a_bad_file_leaves_a_postgresql_store_untouched(
    sample: Lines, db_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_bytes(b"".join(sample[:-1]))

    result = CliRunner().invoke(app, ["--db", db_url, "import", "events", str(file)])

    assert result.exit_code == 2
    assert "line 17: " in result.stderr
    with runtime_for(db_url) as runtime:
        assert is_empty(runtime)


def test_a_missing_file_is_bad_input(sqlite_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"

    result = CliRunner().invoke(
        app, ["--db", sqlite_url, "import", "events", str(missing)]
    )

    assert result.exit_code == 2
    assert "cannot read" in result.stderr
