"""``ticketing import commands``: report, exit codes, re-runs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from tests.support.script_lines import jsonl, line, open_line
from ticketing.cli import app

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_import_commands_reports_json_and_is_idempotent(tmp_path: Path) -> None:
    script = write(
        tmp_path / "s.jsonl",
        *jsonl(open_line("a"), line("@a", "route_ticket", 1, queue="desk")),
    )
    db = str(tmp_path / "t.db")
    cli = CliRunner()

    first = cli.invoke(app, ["--db", db, "import", "commands", str(script), "--json"])
    second = cli.invoke(app, ["--db", db, "import", "commands", str(script), "--json"])

    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["events"] == 2
    assert json.loads(second.stdout)["tickets"]["unchanged"] == 1
    assert json.loads(second.stdout)["events"] == 0


def test_import_commands_exits_2_and_names_the_line(tmp_path: Path) -> None:
    script = write(
        tmp_path / "s.jsonl", *jsonl(open_line("a"), line("@a", "resume_ticket", 1))
    )

    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "t.db"), "import", "commands", str(script)]
    )

    assert result.exit_code == 2
    assert "@a not imported: line 2: invalid_transition" in result.output


def test_import_commands_refuses_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "t.db"), "import", "commands", "nope.jsonl"]
    )

    assert result.exit_code == 2
    assert "no such file" in result.output
