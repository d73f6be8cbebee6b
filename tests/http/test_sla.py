"""SLA endpoints: compliance report, at-risk clocks, a ticket's clock evidence.

The app runs on a settable clock starting Monday 2026-03-02 09:00 UTC (office
hours in the NL calendar), so elapsed business time is known exactly.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.http.conftest import Api, running_api
from tests.http.schema_check import assert_conforms
from tests.support.runtime import START
from ticketing.clock import SettableClock

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def timed(tmp_path: Path) -> Iterator[tuple[Api, SettableClock]]:
    clock = SettableClock(START)
    with running_api(tmp_path, clock=clock) as api:
        yield api, clock


def _open(api: Api, impact: int = 2, **fields: str) -> tuple[str, int]:
    response = api.open(impact=impact, urgency=impact, **fields)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["number"], body["position"]


def _do(api: Api, ref: str, verb: str, body: dict[str, object] | None = None) -> int:
    response = api.command(ref, verb, body)
    assert response.status_code == 200, response.text
    position: int = response.json()["position"]
    return position


def _worked_history(api: Api, clock: SettableClock) -> int:
    """INC1 (P1) resolved and closed in 1h; INC2 (P3) resolved after 5h; INC3 open."""
    _open(api, impact=1, title="Core switch down")
    _open(api, impact=2, title="Printer jam")
    _open(api, impact=3, title="Monitor flickers")
    clock.advance(timedelta(hours=1))
    _do(api, "INC0000001", "resolve", {"resolution_code": "fixed"})
    _do(api, "INC0000001", "close")
    clock.advance(timedelta(hours=4))
    return _do(api, "INC0000002", "resolve", {"resolution_code": "fixed"})


def test_report_counts_met_and_breached_clocks_by_priority(
    timed: tuple[Api, SettableClock],
) -> None:
    api, clock = timed
    position = _worked_history(api, clock)

    response = api.get(
        "/sla/report", by="all,priority", period="week", min_position=position
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert_conforms("SlaReport", body)
    rows = {(r["dimension"], r["key"], r["metric"]): r for r in body["compliance"]}
    # P1: response 15m breached (resolved after 1h), resolution 4h met
    assert rows["priority", "P1", "response"]["breached"] == 1
    assert rows["priority", "P1", "resolution"]["met"] == 1
    # P3: response within 4h office time, resolved after 5h: breached
    assert rows["priority", "P3", "response"]["breached"] == 1
    assert rows["all", "all", "response"]["total"] == 2
    # P5: both clocks running; P3: resolution paused while resolved
    assert (body["live"]["running"], body["live"]["paused"]) == (2, 1)
    assert body["position"] >= position


def test_report_filters_by_priority_metric_and_date_range(
    timed: tuple[Api, SettableClock],
) -> None:
    api, clock = timed
    position = _worked_history(api, clock)

    only_p1 = api.get(
        "/sla/report", priority="P1", metric="resolution", min_position=position
    ).json()
    later = api.get(
        "/sla/report", since=(START + timedelta(hours=2)).isoformat()
    ).json()
    nothing = api.get(
        "/sla/report",
        since=(START + timedelta(days=1)).isoformat(),
        until=(START + timedelta(days=2)).isoformat(),
    ).json()

    assert {(r["dimension"], r["key"]) for r in only_p1["compliance"]} == {
        ("all", "all"),
        ("queue", "(none)"),
        ("group", "(none)"),
        ("priority", "P1"),
        ("type", "incident"),
        ("period", "2026-03"),
    }
    assert {r["metric"] for r in only_p1["compliance"]} == {"resolution"}
    assert all(r["met"] == 1 for r in only_p1["compliance"])
    assert [r["total"] for r in later["compliance"] if r["dimension"] == "all"] == [1]
    assert nothing["compliance"] == []
    assert only_p1["filters"]["priority"] == ["P1"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"by": "queue,colour"}, "by"),
        ({"period": "fortnight"}, "period"),
        ({"priority": "P9"}, "priority"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-03-02T10:00:00"}, "since"),
        ({"since": "2026-03-03T00:00:00Z", "until": "2026-03-02T00:00:00Z"}, "until"),
        ({"min_position": "999999"}, "min_position"),
        ({"color": "red"}, "color"),
    ],
)
def test_report_refuses_bad_parameters_by_name(
    api: Api, params: dict[str, str], field: str
) -> None:
    response = api.get("/sla/report", **params)

    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["details"]["fields"]


def test_report_needs_a_token_and_a_role_that_reads_sla(api: Api) -> None:
    assert api.get("/sla/report", role=None).status_code == 401
    assert api.get("/sla/report", role="requester").status_code == 403
    assert api.get("/sla/report", role="admin").status_code == 403
    assert api.get("/sla/report", role="auditor").status_code == 200


def test_at_risk_lists_running_clocks_over_the_threshold_soonest_due_first(
    timed: tuple[Api, SettableClock],
) -> None:
    api, clock = timed
    _open(api, impact=3, title="Slow")  # P5: response 20h office time
    _, position = _open(api, impact=1, title="Down")  # P1: response 15m, 24x7
    clock.advance(timedelta(minutes=12))  # P1 response at 80 %

    default = api.get("/sla/at-risk", min_position=position).json()
    over_50 = api.get("/sla/at-risk", threshold=50).json()
    everything = api.get("/sla/at-risk", threshold=0, limit=3).json()

    assert_conforms("SlaAtRisk", default)
    # the policy's first warning threshold is 75 %: only the P1 response clock
    assert [(c["number"], c["metric"]) for c in default["clocks"]] == [
        ("INC0000002", "response")
    ]
    assert default["clocks"][0]["percent"] == pytest.approx(80.0)
    assert [c["number"] for c in over_50["clocks"]] == ["INC0000002"]
    dues = [c["due_at"] for c in everything["clocks"]]
    assert len(dues) == 3
    assert dues == sorted(dues)
    assert everything["threshold"] == 0
    p1_resolution = api.get(
        "/sla/at-risk", threshold=0, priority="P1", metric="resolution"
    ).json()
    assert [(c["number"], c["metric"]) for c in p1_resolution["clocks"]] == [
        ("INC0000002", "resolution")
    ]


def test_at_risk_refuses_a_bad_threshold(api: Api) -> None:
    response = api.get("/sla/at-risk", threshold="lots", limit=0, since="2026")

    assert response.status_code == 422
    assert set(response.json()["error"]["details"]["fields"]) == {
        "threshold",
        "limit",
        "since",  # a running clock has no stop to bound: unknown here
    }


def test_ticket_sla_shows_every_transition_with_its_event_and_reason(
    timed: tuple[Api, SettableClock],
) -> None:
    api, clock = timed
    _open(api, impact=2, title="Printer jam")
    clock.advance(timedelta(minutes=30))
    _do(api, "INC0000001", "hold", {"reason": "awaiting_caller"})
    clock.advance(timedelta(hours=2))
    _do(api, "INC0000001", "resume")
    clock.advance(timedelta(minutes=30))
    position = _do(api, "INC0000001", "resolve", {"resolution_code": "fixed"})

    response = api.get("/tickets/inc0000001/sla", min_position=position)

    assert response.status_code == 200, response.text
    body = response.json()
    assert_conforms("SlaEvidence", body)
    assert body["number"] == "INC0000001"
    resolution = next(c for c in body["clocks"] if c["metric"] == "resolution")
    steps = [(t["kind"], t["cause"]["event_type"]) for t in resolution["transitions"]]
    assert steps == [
        ("started", "Opened"),
        ("paused", "PutOnHold"),
        ("resumed", "Resumed"),
        ("paused", "Resolved"),
    ]
    assert all(t["detail"] for t in resolution["transitions"])
    assert "awaiting_caller" in resolution["pauses"][0]["reason"]
    assert resolution["elapsed_seconds"] == 3600  # 30m + 30m, the hold excluded
    assert body["policy"]["version"] == "default-v1"


def test_ticket_sla_as_of_an_earlier_time(timed: tuple[Api, SettableClock]) -> None:
    api, clock = timed
    _open(api, impact=2)
    clock.advance(timedelta(hours=1))
    position = _do(api, "INC0000001", "resolve", {"resolution_code": "fixed"})

    earlier = (START + timedelta(minutes=20)).isoformat()
    body = api.get(
        "/tickets/INC0000001/sla", as_of=earlier, min_position=position
    ).json()

    response = next(c for c in body["clocks"] if c["metric"] == "response")
    assert response["state"] == "running"
    assert response["elapsed_seconds"] == 20 * 60


def test_ticket_sla_errors(timed: tuple[Api, SettableClock]) -> None:
    api, _ = timed
    _, position = _open(api)
    future = (START + timedelta(days=1)).isoformat()

    assert api.get("/tickets/INC0000042/sla").status_code == 404
    assert api.get("/tickets/INC0000001/sla", role=None).status_code == 401
    assert api.get("/tickets/INC0000001/sla", role="requester").status_code == 403
    too_late = api.get("/tickets/INC0000001/sla", as_of=future, min_position=position)
    assert too_late.status_code == 422
    assert "as_of" in too_late.json()["error"]["details"]["fields"]
    before = (START - timedelta(days=1)).isoformat()
    assert api.get("/tickets/INC0000001/sla", as_of=before).status_code == 422
