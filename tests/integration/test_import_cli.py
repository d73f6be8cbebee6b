"""``ticketing demo`` and ``ticketing import servicenow`` from the command line."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from tests.support.servicenow_rows import csv_lines, row
from ticketing.cli import app

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def test_demo_just_works_on_the_default_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TICKETING_DB_URL", raising=False)

    result = CliRunner().invoke(app, ["demo", "--tickets", "20"])

    assert result.exit_code == 0, result.output
    assert "demo (seed 1): 20 tickets, 20 written" in result.output
    assert "time span: 2025-03-03" in result.output
    assert (tmp_path / "ticketing.db").is_file()


def test_demo_json_reports_a_rerun_as_already_present(tmp_path: Path) -> None:
    args = ["--db", str(tmp_path / "d.db"), "demo", "--tickets", "15", "--json"]
    cli = CliRunner()

    cli.invoke(app, args)
    again = json.loads(cli.invoke(app, args).stdout)

    assert (again["written"], again["already_present"]) == (0, 15)
    assert again["events_written"] == 0


def test_import_servicenow_prints_notes_and_agreement(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "".join(
            csv_lines(
                row("01-03-2016 09:00", "New"),
                row(
                    "01-03-2016 10:00",
                    "Resolved",
                    resolved_at="01-03-2016 10:00",
                    closed_at="02-03-2016 10:00",
                ),
                row(
                    "02-03-2016 10:00",
                    "Closed",
                    resolved_at="01-03-2016 10:00",
                    closed_at="02-03-2016 10:00",
                ),
            )
        )
    )
    db = str(tmp_path / "s.db")

    result = CliRunner().invoke(app, ["--db", db, "import", "servicenow", str(log)])

    assert result.exit_code == 0, result.output
    assert "1 tickets: 1 imported" in result.output
    assert "no_change" in result.output
    assert "resolved_at          1/1 agree (100.00 %)" in result.output


def test_import_servicenow_refuses_an_unknown_time_zone(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("".join(csv_lines(row("01-03-2016 09:00", "New"))))
    args = ["--db", str(tmp_path / "s.db"), "import", "servicenow", str(log)]

    result = CliRunner().invoke(app, [*args, "--timezone", "Mars/Base"])

    assert result.exit_code == 2
    assert "unknown time zone" in result.output
