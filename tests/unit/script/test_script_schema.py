"""The published JSON Schema matches the parser: generated, in sync, and it agrees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.support.script_lines import AGENT, line, open_line
from tests.support.servicenow_rows import csv_lines, row
from ticketing.commands.script import ScriptLineError, parse_line
from ticketing.commands.script_schema import script_schema
from ticketing.demo.generator import DemoGenerator
from ticketing.demo.run import DEFAULT_START
from ticketing.importers.servicenow.importer import translate_log
from ticketing.importers.servicenow.source import read_log
from ticketing.policies.priority import load_priority_matrix

SCHEMA_FILE = (
    Path(__file__).resolve().parents[3] / "docs/schemas/command-script-v1.schema.json"
)
VALIDATOR = Draft202012Validator(script_schema())


def test_the_published_schema_is_the_generated_one() -> None:
    published = json.loads(SCHEMA_FILE.read_text())

    Draft202012Validator.check_schema(published)
    assert published == script_schema()


def test_every_demo_and_servicenow_line_is_valid() -> None:
    demo = DemoGenerator(tickets=60, seed=5, start=DEFAULT_START).generate()
    log = csv_lines(
        row("01-03-2016 09:00", "New", problem_id="Problem ID  1"),
        row("01-03-2016 10:00", "Awaiting Vendor", impact="3 - Low"),
        row("01-03-2016 11:00", "Closed"),
    )
    imported = translate_log(read_log(log), load_priority_matrix()).steps

    for step in (*demo, *imported):
        VALIDATOR.validate(step.to_json())


REJECTED: list[tuple[str, dict[str, Any]]] = [
    ("unknown command", {**open_line("k"), "command": "frobnicate"}),
    ("open with ticket", {**open_line("k"), "ticket": "@x"}),
    ("no time", {k: v for k, v in open_line("k").items() if k != "at"}),
    ("no offset", {**open_line("k"), "at": "2025-03-03T09:00:00"}),
    ("human actor", {**open_line("k"), "actor": {**AGENT, "kind": "human"}}),
    ("unknown arg", line("@k", "add_comment", 1, body="x", colour="red")),
    ("missing arg", line("@k", "add_comment", 1)),
    ("bad enum", line("@k", "put_on_hold", 1, reason="lunch")),
    ("no ticket", {**line("@k", "close_ticket", 1), "ticket": None}),
    ("link without target", line("@k", "link_tickets", 1, kind="problem")),
    ("extra field", {**open_line("k"), "colour": "red"}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "data"), REJECTED, ids=[c for c, _ in REJECTED])
def test_the_schema_rejects_what_the_parser_rejects(
    case: str, data: dict[str, Any]
) -> None:
    assert not VALIDATOR.is_valid(data), case
    if case in ("unknown arg", "missing arg", "bad enum"):
        return  # argument values are checked by the planner, not parse_line
    with pytest.raises(ScriptLineError):
        parse_line(json.dumps(data), 1)
