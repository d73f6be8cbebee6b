"""SLA what-if over HTTP (old vs new figures, flips) and policy versions."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.http.conftest import Api, running_api
from tests.http.schema_check import assert_conforms
from tests.support.runtime import START
from ticketing.clock import SettableClock
from ticketing.policies.sla_file import DATA_DIR

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

DEFAULT_TEXT = (DATA_DIR / "default-v1.toml").read_text("utf-8")
P3_RESPONSE = 'response = { within = "4h", calendar = "nl-office-v1" }'


def candidate(version: str = "tight-v1", p3_response: str = "1h") -> str:
    """The default policy renamed, with another P3 response target."""
    assert DEFAULT_TEXT.count(P3_RESPONSE) == 1
    text = DEFAULT_TEXT.replace('version = "default-v1"', f'version = "{version}"')
    tight = f'response = {{ within = "{p3_response}", calendar = "nl-office-v1" }}'
    return text.replace(P3_RESPONSE, tight)


@pytest.fixture
def timed(tmp_path: Path) -> Iterator[tuple[Api, SettableClock]]:
    clock = SettableClock(START)
    with running_api(tmp_path, clock=clock) as api:
        yield api, clock


def _history(api: Api, clock: SettableClock) -> int:
    """INC1 (P3) answered by resolving after 2h; INC2 (P1) still open."""
    assert api.open(impact=2, urgency=2, title="Printer jam").status_code == 201
    assert api.open(impact=1, urgency=1, title="Down").status_code == 201
    clock.advance(timedelta(hours=2))
    resolved = api.command("INC0000001", "resolve", {"resolution_code": "fixed"})
    assert resolved.status_code == 200
    position: int = resolved.json()["position"]
    return position


def _whatif(api: Api, body: dict[str, object], **params: int) -> dict[str, Any]:
    response = api.client.post(
        "/sla/whatif", json=body, params=params, headers=api.headers("analyst")
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_whatif_compares_figures_and_lists_the_clocks_that_flip(
    timed: tuple[Api, SettableClock],
) -> None:
    api, clock = timed
    position = _history(api, clock)

    body = _whatif(
        api, {"policy": candidate(), "by": ["all", "priority"]}, min_position=position
    )

    assert_conforms("SlaWhatIf", body)
    assert body["candidate"]["version"] == "tight-v1"
    flips = body["flips"]
    assert isinstance(flips, list)
    assert [(f["number"], f["metric"]) for f in flips] == [("INC0000001", "response")]
    assert (flips[0]["old"]["outcome"], flips[0]["new"]["outcome"]) == (
        "met",
        "breached",
    )
    old = {(r["key"], r["metric"]): r for r in body["old"]["compliance"]}
    new = {(r["key"], r["metric"]): r for r in body["new"]["compliance"]}
    assert (old["P3", "response"]["met"], new["P3", "response"]["breached"]) == (1, 1)
    assert body["flips_total"] == 1


def test_whatif_by_version_and_limit(timed: tuple[Api, SettableClock]) -> None:
    api, clock = timed
    position = _history(api, clock)

    same = _whatif(api, {"version": "default-v1"}, min_position=position)
    capped = _whatif(api, {"policy": candidate(), "limit": 0}, min_position=position)

    assert same["flips"] == []
    assert capped["flips"] == []
    assert capped["flips_total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "policy"),
        ({"policy": "version = [", "by": ["all"]}, "policy"),
        ({"policy": candidate(), "version": "default-v1"}, "policy"),
        ({"version": "no-such-version"}, "version.version"),
        ({"policy": candidate(), "by": ["colour"]}, "by"),
        ({"policy": candidate(), "limit": -1}, "limit"),
        ({"policy": candidate(), "surprise": 1}, "surprise"),
        ({"policy": 42}, "policy"),
        ({"policy": candidate(p3_response="soon")}, "policy.targets.P3.response"),
        ({"policy": candidate(), "calendars": {"x-v1": "version = 1"}}, None),
    ],
)
def test_whatif_refuses_a_bad_candidate_naming_the_field(
    api: Api, body: dict[str, object], field: str | None
) -> None:
    response = api.client.post("/sla/whatif", json=body, headers=api.headers("analyst"))

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["details"]["fields"], error
    if field is not None:
        assert any(k.startswith(field) for k in error["details"]["fields"]), error


def test_whatif_refuses_huge_and_deeply_nested_bodies(api: Api) -> None:
    headers = api.headers("analyst", **{"Content-Type": "application/json"})
    huge = json.dumps({"policy": "#" * (65 * 1024)})
    deep_json = "[" * 100_000 + "]" * 100_000
    deep_toml = json.dumps({"policy": "version = " + "[" * 5000 + "]" * 5000})

    too_large = api.client.post("/sla/whatif", content=huge, headers=headers)
    nested = api.client.post("/sla/whatif", content=deep_json[:60_000], headers=headers)
    toml = api.client.post("/sla/whatif", content=deep_toml, headers=headers)

    assert too_large.status_code == 413
    assert nested.status_code == 400
    assert toml.status_code == 422
    assert "nested too deeply" in toml.json()["error"]["message"]


def test_whatif_is_for_analysts(api: Api) -> None:
    body = {"version": "default-v1"}
    for role in ("agent", "supervisor", "auditor", "admin", "requester"):
        response = api.client.post("/sla/whatif", json=body, headers=api.headers(role))
        assert response.status_code == 403, role
    assert api.client.post("/sla/whatif", json=body).status_code == 401


def test_policies_list_the_published_default_before_any_activation(api: Api) -> None:
    response = api.get("/sla/policies", role="admin")

    assert response.status_code == 200
    body = response.json()
    assert_conforms("SlaPolicies", body)
    assert body["in_force"]["version"] == "default-v1"
    assert body["activations"] == []
    assert "default-v1" in body["published"]


def test_admin_activates_a_policy_version_and_reports_use_it(
    timed: tuple[Api, SettableClock],
) -> None:
    api, clock = timed
    activated = api.client.post(
        "/sla/policies",
        json={"policy": candidate("tight-v2")},
        headers=api.headers("admin"),
    )
    assert activated.status_code == 201, activated.text
    record = activated.json()
    assert_conforms("SlaPolicyActivated", record)
    assert (record["version"], record["activated_by"]) == ("tight-v2", "admin")
    assert record["in_force"]["version"] == "tight-v2"
    assert record["documents"] == [
        "calendars/24x7-v1.toml",
        "calendars/nl-office-v1.toml",
        "policy.toml",
    ]

    clock.advance(timedelta(minutes=1))
    position = _history(api, clock)
    listing = api.get("/sla/policies", role="analyst").json()
    evidence = api.get("/tickets/INC0000001/sla", min_position=position).json()

    assert [a["version"] for a in listing["activations"]] == ["tight-v2"]
    assert listing["activations"][0]["activated_by"] == "admin"
    assert evidence["policy"]["version"] == "tight-v2"
    assert evidence["policy"]["activated_by"] == "admin"
    response = next(c for c in evidence["clocks"] if c["metric"] == "response")
    assert response["state"] == "breached"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "policy"),
        ({"policy": DEFAULT_TEXT.replace("4h", "5h")}, "policy.version"),
        ({"policy": candidate("v3", p3_response="0m")}, "policy.targets.P3.response"),
        ({"policy": candidate("v3"), "effective_from": "tomorrow"}, "effective_from"),
        ({"policy": candidate("v3"), "calendars": {"bad key ": "x"}}, "calendars"),
    ],
)
def test_activation_refuses_an_invalid_policy_with_per_field_details(
    api: Api, body: dict[str, object], field: str
) -> None:
    response = api.client.post("/sla/policies", json=body, headers=api.headers("admin"))

    assert response.status_code == 422, response.text
    fields = response.json()["error"]["details"]["fields"]
    assert any(k.startswith(field) for k in fields), fields
    assert api.get("/sla/policies", role="admin").json()["activations"] == []


def test_only_admins_activate_policies(api: Api) -> None:
    body = {"policy": candidate("v4")}
    for role in ("agent", "supervisor", "analyst", "auditor", "requester"):
        response = api.client.post(
            "/sla/policies", json=body, headers=api.headers(role)
        )
        assert response.status_code == 403, role
    assert api.get("/sla/policies", role="requester").status_code == 403
