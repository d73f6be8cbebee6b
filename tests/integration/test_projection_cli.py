"""The projection, history and queue commands, through the Typer app."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from tests.support.projections import T0, catch_up_all
from tests.support.strategies import Step, run_steps, scripted_steps
from ticketing.cli import app
from ticketing.projections import registry
from ticketing.projections.catalogue import default_projections
from ticketing.store.datastore import write_transaction

if TYPE_CHECKING:
    from typer.testing import Result

    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration

Cli = Callable[..., "Result"]  # invoke(*args) -> Result


@pytest.fixture
def cli(runtime: Runtime) -> Cli:
    runner = CliRunner()
    url = runtime.settings.db_url

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--db", url, *args])

    return invoke


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def life_of_one_ticket(runtime: Runtime, clock: SettableClock) -> None:
    """INC0000001: opened at T0+1min, routed +1h, assigned +2h, resolved +3h."""
    opened = {"type": "incident", "title": "VPN down", "impact": 2, "urgency": 2}
    steps = [
        Step("open_ticket", {**opened, "requester_id": "dave"}, minutes=1),
        Step("route_ticket", {"queue": "network", "group": "l1"}, ticket=0, minutes=60),
        Step("assign_ticket", {"agent_id": "alice"}, ticket=0, minutes=60),
        Step("resolve_ticket", {"resolution_code": "fixed"}, ticket=0, minutes=60),
    ]
    run_steps(runtime.service, clock, steps)


class TestStatus:
    def test_json_lists_every_generation_with_its_lag_and_liveness(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        run_steps(runtime.service, clock, scripted_steps(3))
        head = runtime.projections.source.head()

        status = as_json(cli("projections", "status", "--json"))

        assert sorted(s["key"] for s in status) == sorted(default_projections())
        for s in status:
            assert (s["generation"], s["status"], s["runner"]) == (
                1,
                "active",
                "never-ran",
            )
            assert (s["checkpoint"], s["head"], s["lag_events"]) == (0, head, head)
            assert s["lag_seconds"] > 0
            assert s["code_version"] == s["current_code_version"] == 1
            for field in (
                "heartbeat_at",
                "events_per_second",
                "error",
                "last_interruption",
            ):
                assert s[field] is None
            assert s["interruptions"] == 0

    def test_table_names_each_projection_and_its_failure(
        self, cli: Cli, runtime: Runtime
    ) -> None:
        host = runtime.projections
        host.ensure_all_active()
        with write_transaction(host.engine) as conn:
            registry.set_fields(
                conn, "audit_trail", 1, error_message="boom", error_position=7
            )

        result = cli("projections", "status")

        assert result.exit_code == 0, result.output
        assert "queue_view" in result.stdout
        assert "audit_trail" in result.stdout
        assert "never-ran" in result.stdout
        assert "FAILED at 7: boom" in result.stdout


class TestRebuild:
    def test_rebuilds_switches_and_drops_the_old_generation(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        run_steps(runtime.service, clock, scripted_steps(4))
        head = runtime.projections.source.head()

        result = cli("rebuild", "--all", "--drop-old", "--quiet")

        assert result.exit_code == 0, result.output
        assert f"queue_view: generation 2 active at position {head}" in result.stdout
        assert "queue_view: dropped generation 1" in result.stdout
        status = as_json(cli("projections", "status", "--json"))
        assert sorted((s["key"], s["generation"], s["status"]) for s in status) == [
            (key, 2, "active") for key in sorted(default_projections())
        ]
        assert {s["lag_events"] for s in status} == {0}

    def test_keeps_the_old_generation_unless_asked_and_drop_refuses_the_active(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        run_steps(runtime.service, clock, scripted_steps(2))

        assert cli("rebuild", "queue_view", "-q").exit_code == 0
        refused = cli("projections", "drop", "queue_view", "-g", "2")
        dropped = cli("projections", "drop", "queue_view", "-g", "1")

        assert refused.exit_code == 2
        assert "is active" in refused.stderr
        assert dropped.exit_code == 0, dropped.output
        status = as_json(cli("projections", "status", "--json"))
        assert [s["generation"] for s in status if s["key"] == "queue_view"] == [2]

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ((), "name one or more projections, or pass --all"),
            (("nope",), "unknown projection(s): nope"),
        ],
    )
    def test_bad_names_are_refused(
        self, cli: Cli, args: tuple[str, ...], message: str
    ) -> None:
        result = cli("rebuild", *args)

        assert result.exit_code == 2
        assert message in result.stderr


class TestVerify:
    def test_a_healthy_view_verifies(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        run_steps(runtime.service, clock, scripted_steps(4))
        catch_up_all(runtime.projections)

        results = as_json(cli("verify-projection", "--all", "--json"))

        assert [(r["projection"], r["matches"]) for r in results] == [
            (key, True) for key in default_projections()
        ]
        assert all(r["differences"] == [] for r in results)

    def test_a_tampered_row_exits_1_and_shows_the_first_differing_row(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        run_steps(runtime.service, clock, scripted_steps(4))
        host = runtime.projections
        catch_up_all(host)
        with write_transaction(host.engine) as conn:
            t = host.active_view(conn, "queue_view").tables.tickets
            conn.execute(
                update(t).where(t.c.number == "INC0000002").values(priority="P1")
            )

        result = cli("verify-projection", "queue_view", "--json")
        text = cli("verify-projection", "queue_view")

        assert result.exit_code == 1
        [report] = json.loads(result.stdout)
        assert report["matches"] is False
        first = report["differences"][0]
        assert first["live"]["number"] == "INC0000002"
        assert first["live"]["priority"] == "P1"
        assert first["rebuilt"]["priority"] != "P1"
        assert text.exit_code == 1
        assert "queue_view: DRIFT" in text.stdout
        assert "INC0000002" in text.stdout


class TestHistory:
    def test_full_history_as_json(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        life_of_one_ticket(runtime, clock)

        history = as_json(cli("history", "INC0000001", "--json"))

        events = history["events"]
        assert [e["event_type"] for e in events] == [
            "Opened",
            "Routed",
            "Assigned",
            "Resolved",
        ]
        assert [e["version"] for e in events] == [1, 2, 3, 4]
        assert [e["position"] for e in events] == [1, 2, 3, 4]
        routed = events[1]
        assert routed["changes"]["queue"] == [None, "network"]
        assert routed["actor"] == {"id": "alice", "role": "agent", "kind": "human"}
        for field in ("command_id", "correlation_id", "occurred_at", "recorded_at"):
            assert routed[field]
        assert routed["hash"]
        assert routed["prev_hash"] == events[0]["hash"]
        assert history["state"]["state"] == "resolved"

    def test_as_of_a_time_cuts_on_occurred_at(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        life_of_one_ticket(runtime, clock)
        between = (T0 + timedelta(minutes=61, seconds=30)).isoformat()

        history = as_json(cli("history", "INC0000001", "--as-of", between, "--json"))

        assert [e["event_type"] for e in history["events"]] == ["Opened", "Routed"]
        assert history["state"]["queue"] == "network"
        assert history["state"]["assignee"] is None
        assert history["as_of"] == between

    def test_as_of_a_version(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        life_of_one_ticket(runtime, clock)

        history = as_json(cli("history", "INC0000001", "--version", "3", "--json"))

        assert history["version"] == 3
        assert history["state"]["assignee"] == "alice"
        assert history["state"]["state"] == "in_progress"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("INC0000009",), "no ticket 'INC0000009'"),
            (("INC0000001", "--as-of", "2026-03-02T09:00:00"), "has no time zone"),
            (("INC0000001", "--as-of", "yesterday"), "is not an ISO 8601 time"),
            (("INC0000001", "--as-of", "2020-01-01T00:00:00Z"), "did not exist"),
            (("INC0000001", "--version", "0"), "version"),
            (
                ("INC0000001", "--version", "2", "--as-of", "2026-03-02T10:00:00Z"),
                "either a time or a version",
            ),
        ],
    )
    def test_bad_references_and_times_exit_2(
        self,
        cli: Cli,
        runtime: Runtime,
        clock: SettableClock,
        args: tuple[str, ...],
        message: str,
    ) -> None:
        life_of_one_ticket(runtime, clock)

        result = cli("history", *args)

        assert result.exit_code == 2
        assert message in result.stderr


class TestQueue:
    def test_live_list_and_counts(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        life_of_one_ticket(runtime, clock)
        run_steps(runtime.service, clock, scripted_steps(3, seed=1))
        catch_up_all(runtime.projections)

        page = as_json(
            cli("queue", "list", "--state", "all", "--sort", "number", "--json")
        )
        counts = as_json(cli("queue", "counts", "--state", "resolved", "--json"))

        assert page["total"] == 4
        assert [i["number"] for i in page["items"]] == [
            "INC0000001",
            "INC0000002",
            "INC0000003",
            "INC0000004",
        ]
        assert page["position"] == page["head"]
        resolved = [c for c in counts["counts"] if c["queue"] == "network"]
        assert {
            "queue": "network",
            "state": "resolved",
            "priority": "P3",
            "count": 1,
        } in resolved

    def test_as_of_a_time_and_at_a_position(
        self, cli: Cli, runtime: Runtime, clock: SettableClock
    ) -> None:
        life_of_one_ticket(runtime, clock)
        catch_up_all(runtime.projections)
        routed = (T0 + timedelta(minutes=61)).isoformat()

        by_time = as_json(cli("queue", "list", "--as-of", routed, "--json"))
        by_position = as_json(cli("queue", "list", "--at-position", "1", "--json"))
        now = as_json(cli("queue", "list", "--json"))

        [item] = by_time["items"]
        assert (item["state"], item["queue"], item["assignee"]) == (
            "new",
            "network",
            None,
        )
        assert item["age_seconds"] == 3600  # age as of that time
        [first] = by_position["items"]
        assert (first["queue"], by_position["position"]) == (None, 1)
        assert now["items"] == []  # resolved by now: not in the open queue

    @pytest.mark.parametrize(
        ("args", "field"),
        [
            (("--state", "bogus"), "states"),
            (("--priority", "P9"), "priorities"),
            (("--cursor", "not-a-cursor"), "cursor"),
            (("--sort", "title"), "sort"),
            (("--limit", "0"), "limit"),
            (("--at-position", "999"), "position"),
            (("--assignee", "bob", "--unassigned"), "unassigned"),
        ],
    )
    def test_bad_input_exits_2_naming_the_field(
        self,
        cli: Cli,
        runtime: Runtime,
        clock: SettableClock,
        args: tuple[str, ...],
        field: str,
    ) -> None:
        life_of_one_ticket(runtime, clock)
        catch_up_all(runtime.projections)

        result = cli("queue", "list", *args)

        assert result.exit_code == 2
        assert f'"{field}"' in result.stderr
