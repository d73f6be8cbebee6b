"""``ticketing sla ...`` on a small SQLite history: JSON output and bad input."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from tests.support.sla_desk import (
    STRICT_P1,
    Desk,
    candidate_file,
    desk_runtime,
    utc,
)
from ticketing.cli import app

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Two P1 incidents: one resolved in 3h (met under 4h, breached under 2h)."""
    path = tmp_path_factory.mktemp("cli") / "sla.db"
    runtime, clock = desk_runtime(f"sqlite:///{path}", utc("2026-03-02 07:00"))
    desk = Desk(runtime, clock)
    fast = desk.open(utc("2026-03-02 10:00"), "P1")
    desk.reply(utc("2026-03-02 10:05"), fast)
    desk.resolve(utc("2026-03-02 13:00"), fast)
    desk.close(utc("2026-03-02 14:00"), fast)
    slow = desk.open(utc("2026-03-02 11:00"), "P1")
    desk.hold(utc("2026-03-02 11:30"), slow)
    runtime.close()
    return str(path)


def run(db: str, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", db, "sla", *args])
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def test_report_json(db: str) -> None:
    data = run(db, "report", "--json", "--by", "all,priority")

    overall = {r["metric"]: r for r in data["compliance"] if r["dimension"] == "all"}
    assert overall["resolution"]["met"] == 1
    assert overall["response"]["met"] == 1
    assert data["live"] == {"running": 1, "paused": 1, "overdue": 1}
    assert data["policy"].startswith("live")


def test_report_under_another_policy(db: str, tmp_path: Path) -> None:
    path = candidate_file(tmp_path, "strict-v2", STRICT_P1)

    data = run(db, "report", "--json", "--policy", str(path), "--by", "all")

    overall = {r["metric"]: r for r in data["compliance"]}
    assert (overall["resolution"]["met"], overall["resolution"]["breached"]) == (0, 1)
    assert data["policy"].startswith("strict-v2")


def test_whatif_json_lists_the_flipped_clock(db: str, tmp_path: Path) -> None:
    path = candidate_file(tmp_path, "strict-v2", STRICT_P1)

    data = run(db, "whatif", "--policy", str(path), "--json")

    flipped = [(f["number"], f["metric"]) for f in data["flips"]]
    assert ("INC0000001", "resolution") in flipped
    first = next(f for f in data["flips"] if f["number"] == "INC0000001")
    assert (first["old"]["outcome"], first["new"]["outcome"]) == ("met", "breached")
    assert data["candidate"]["version"] == "strict-v2"


def test_evidence_json_cites_events_and_shows_the_arithmetic(db: str) -> None:
    data = run(db, "evidence", "INC0000001", "--json")

    resolution = next(c for c in data["clocks"] if c["metric"] == "resolution")
    assert resolution["state"] == "met"
    assert resolution["elapsed"] == "3h"
    assert [t["kind"] for t in resolution["transitions"]] == [
        "started",
        "paused",
        "stopped",
    ]
    assert resolution["transitions"][0]["cause"]["position"] == 1
    assert resolution["arithmetic"][0]["business_time"] == "3h"
    assert data["policy"]["version"] == "default-v1"
    assert data["policy"]["source"].startswith("published default")


def test_evidence_as_of_an_earlier_time(db: str) -> None:
    data = run(db, "evidence", "INC0000001", "--json", "--as-of", "2026-03-02T12:00Z")

    resolution = next(c for c in data["clocks"] if c["metric"] == "resolution")
    assert (resolution["state"], resolution["elapsed"]) == ("running", "2h")


def test_activate_and_list_policies(tmp_path: Path) -> None:
    db = str(tmp_path / "fresh.db")
    path = candidate_file(tmp_path, "strict-v2", STRICT_P1)

    activated = run(db, "activate", str(path), "--json", "--actor", "alice")
    listing = run(db, "policies", "--json")
    path.unlink()  # from now on the version is known from the log only
    report = run(db, "report", "--json", "--policy", "strict-v2")

    assert activated["version"] == "strict-v2"
    assert activated["documents"] == [
        "calendars/24x7-v1.toml",
        "calendars/nl-office-v1.toml",
        "policy.toml",
    ]
    assert listing["in_force"]["version"] == "strict-v2"
    assert listing["activations"][0]["activated_by"] == "alice"
    assert report["policy"].startswith("strict-v2")


def test_a_bad_policy_file_is_refused_naming_file_and_field(
    db: str, tmp_path: Path
) -> None:
    path = candidate_file(
        tmp_path,
        "broken-v9",
        {'within = "15m", calendar': 'within = "15x", calendar'},
    )

    result = CliRunner().invoke(
        app, ["--db", db, "sla", "whatif", "--policy", str(path)]
    )

    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert "targets.P1.response.within" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "--by", "colour"), "--by"),
        (("report", "--period", "year"), "--period"),
        (("evidence", "INC9999999"), "no ticket"),
        (("evidence", "INC0000001", "--as-of", "yesterday"), "--as-of"),
        (("activate", "no-such-version"), "no SLA policy"),
        (("whatif", "--policy", "no-such-version"), "known: default-v1"),
    ],
)
def test_bad_usage_exits_2(db: str, args: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "sla", *args])

    assert result.exit_code == 2
    assert message in result.stderr


def test_scheduler_once_json(db: str) -> None:
    # the running P1 was opened in March: its thresholds passed long ago but
    # after its facts were recorded, so a scheduler escalates it now
    fired = run(db, "scheduler", "--once", "--json")

    assert {f["key"].split(":", 1)[1] for f in fired} == {
        "response:1:75",
        "response:1:100",
    }
    assert run(db, "scheduler", "--once", "--json") == []


def test_rebuild_verify_and_status_know_the_sla_projection(db: str) -> None:
    runner = CliRunner()

    rebuilt = runner.invoke(app, ["--db", db, "rebuild", "sla", "--quiet"])
    verified = runner.invoke(app, ["--db", db, "verify-projection", "sla", "--json"])
    status = runner.invoke(app, ["--db", db, "projections", "status", "--json"])

    assert rebuilt.exit_code == 0, rebuilt.output
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)[0]["matches"] is True
    assert "sla" in {row["key"] for row in json.loads(status.stdout)}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("report", "--by", "all,queue"), "SLA compliance"),
        (("evidence", "INC0000001"), "resolution"),
        (("policies",), "in force now: default-v1"),
    ],
)
def test_human_output(db: str, args: tuple[str, ...], expected: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "sla", *args])

    assert result.exit_code == 0, result.output
    assert expected in result.stdout


def test_human_whatif_output(db: str, tmp_path: Path) -> None:
    path = candidate_file(tmp_path, "strict-v2", STRICT_P1)

    result = CliRunner().invoke(
        app, ["--db", db, "sla", "whatif", "--policy", str(path), "--limit", "0"]
    )

    assert result.exit_code == 0, result.output
    assert "change outcome" in result.stdout
    assert "more (use --json or --limit)" in result.stdout
