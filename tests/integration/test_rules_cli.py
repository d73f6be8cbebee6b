"""The rules and directory commands of the ``ticketing`` CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.db_digest import DatabaseDigest, database_digest
from tests.support.rules_fixtures import DEMO_DIRECTORY
from tests.support.rules_runtime import (
    DEFAULT_RULES,
    build_history,
    open_ticket,
    rules_runtime,
    ticket,
)
from ticketing.automation.processor import processor_position
from ticketing.cli import app
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _digest(db: str) -> DatabaseDigest:
    runtime = build_runtime(Settings(db_url=db))
    try:
        return database_digest(runtime)
    finally:
        runtime.close()


def cli(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, ["--db", db, *args], env={"TICKETING_ACTOR": "ops-jane"}
    )
    return result.exit_code, result.stdout, result.stderr


def test_directory_commands_record_agents_and_groups(db: str) -> None:
    assert (
        cli(
            db, "agents", "add", "ada", "--skills", "windows,office", "--capacity", "3"
        )[0]
        == 0
    )
    assert cli(db, "groups", "add", "desk")[0] == 0
    assert cli(db, "groups", "member-add", "desk", "ada")[0] == 0
    assert cli(db, "agents", "skills", "ada", "windows", "macos")[0] == 0
    assert cli(db, "agents", "capacity", "ada", "5")[0] == 0
    assert cli(db, "agents", "shift", "ada", "off")[0] == 0

    code, out, _ = cli(db, "agents", "list", "--json")

    assert code == 0
    assert json.loads(out) == [
        {
            "agent_id": "ada",
            "capacity": 5,
            "groups": ["desk"],
            "on_shift": False,
            "skills": ["macos", "windows"],
        }
    ]
    code, _, err = cli(db, "agents", "shift", "ada", "sideways")
    assert code == 2
    assert "shift must be 'on' or 'off'" in err
    code, _, err = cli(db, "groups", "member-add", "desk", "nobody")
    assert code == 2
    assert "no agent 'nobody'" in err


def test_a_bad_file_is_rejected_with_file_rule_line_and_reason(
    db: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'version = "bad-1"\nqueues = ["desk"]\n\n[[rule]]\nid = "R1"\n'
        'when = \'impact == "high"\'\nroute = { queue = "desk" }\n'
    )

    code, _, err = cli(db, "rules", "activate", str(bad))

    assert code == 2
    assert "bad.toml:6: rule R1: when: type mismatch" in err
    code, out, _ = cli(db, "rules", "show", "--json")
    assert json.loads(out)["activations"] == []


def test_activate_show_preview_and_webhooks(db: str, tmp_path: Path) -> None:
    assert cli(db, "agents", "import", str(DEMO_DIRECTORY))[0] == 0
    code, out, _ = cli(db, "rules", "activate", "default-v1")
    assert code == 0
    assert "rules default-v1 activated by ops-jane (in force" in out

    # the activation above used the wall clock: the history comes after it
    runtime, clock = rules_runtime(db, datetime.now(tz=UTC) + timedelta(minutes=1))
    try:
        build_history(runtime, clock, threading.Event(), rounds=1)
    finally:
        runtime.close()
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(
        DEFAULT_RULES.read_text("utf-8").replace(
            'route = { queue = "network", group = "network-l2" }',
            'route = { queue = "service-desk", group = "service-desk-l1" }',
        )
    )

    code, out, _ = cli(db, "rules", "show", "--json")
    shown = json.loads(out)
    assert shown["in_force"] == "default-v1"
    assert shown["activations"][0]["actor"] == "ops-jane"
    before = _digest(db)
    code, out, _ = cli(db, "rules", "preview", "--rules", str(candidate), "--json")
    assert code == 0
    assert _digest(db) == before  # the command wrote nothing
    report = json.loads(out)
    assert report["counterfactual"] is True
    assert report["summary"]["differences_by_kind"] == {"route": 2}
    code, out, _ = cli(db, "rules", "preview", "--rules", str(candidate))
    assert out.startswith("COUNTERFACTUAL")
    assert "would have routed to service-desk (group service-desk-l1) instead of" in out
    code, out, _ = cli(db, "rules", "webhooks", "--json")
    assert code == 0
    hooks = json.loads(out)
    assert {h["rule_id"] for h in hooks} == {"MI-1"}
    assert all(h["status"] == "pending" for h in hooks)


def test_preview_of_a_bad_candidate_stops_before_replaying(
    db: str, tmp_path: Path
) -> None:
    candidate = tmp_path / "c.toml"
    candidate.write_text('version = "c"\n[[rule]]\nid = "X"\nwhen = "true"\n')

    code, _, err = cli(db, "rules", "preview", "--rules", str(candidate))

    assert code == 2
    assert "c.toml:2: rule X: actions: no action" in err


def test_text_reports_and_bad_options(db: str, tmp_path: Path) -> None:
    assert cli(db, "agents", "import", str(DEMO_DIRECTORY))[0] == 0
    assert cli(db, "rules", "activate", str(DEFAULT_RULES))[0] == 0

    code, out, _ = cli(db, "rules", "show")
    assert code == 0
    assert out.startswith("in force: default-v1")
    code, out, _ = cli(db, "agents", "list")
    assert "nadia" in out
    code, out, _ = cli(db, "rules", "webhooks")
    assert code == 0
    code, _, err = cli(db, "rules", "webhooks", "--status", "lost")
    assert (code, "--status must be one of" in err) == (2, True)
    code, _, err = cli(db, "rules", "activate", "no-such-version")
    assert code == 2
    assert "neither a file nor a published version (default-v1)" in err
    code, _, err = cli(db, "agents", "import", str(tmp_path / "missing.toml"))
    assert code == 2
    assert "missing.toml" in err


def test_rules_run_routes_new_tickets_until_terminated(db: str, tmp_path: Path) -> None:
    assert cli(db, "agents", "import", str(DEMO_DIRECTORY))[0] == 0
    assert cli(db, "rules", "activate", "default-v1")[0] == 0
    script = Path(sys.executable).parent / "ticketing"  # the console script
    command = [str(script), "--db", db, "rules", "run"]
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [*command, "--no-timers", "--no-webhooks"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # the processor runs on the wall clock: the ticket must not be from its future
    runtime, _ = rules_runtime(db, datetime.now(tz=UTC))
    try:
        deadline = time.monotonic() + 20
        source = runtime.projections.source
        while processor_position(source, "automation:rules") is None:
            # history before the processor's first run is never re-triggered
            assert time.monotonic() < deadline, "the processor did not start"
            time.sleep(0.1)
        ticket_id = open_ticket(runtime, title="Password reset")
        while time.monotonic() < deadline and not ticket(runtime, ticket_id).queue:
            time.sleep(0.1)
        routed = ticket(runtime, ticket_id).queue
    finally:
        runtime.close()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)

    assert routed == "access-management", err
    assert process.returncode == 0, err
    assert "rules automation running (1 threads)" in out
