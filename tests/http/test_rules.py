"""Rule sets over HTTP: history, activation (validated), preview, webhook deliveries."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.http.schema_check import assert_conforms
from ticketing.rules.webhooks import (
    Attempt,
    OutboxSink,
    WebhookRequest,
    claim_due,
    record_attempt,
)

if TYPE_CHECKING:
    from tests.http.conftest import Api

RULES = """\
version = "http-v1"
queues = ["network"]

[[rule]]
id = "VPN"
description = "VPN tickets go to network"
when = '"vpn" in words'
route = { queue = "network" }

[[rule]]
id = "TAG-ALL"
when = "true"
tag = "seen"
"""


def _post(api: Api, path: str, body: object, role: str = "admin") -> object:
    return api.client.post(path, json=body, headers=api.headers(role))


def test_no_rule_set_is_in_force_at_first(api: Api) -> None:
    response = api.get("/rules", role="admin")

    assert response.status_code == 200
    body = response.json()
    assert_conforms("RuleSetHistory", body)
    assert (body["in_force"], body["activations"]) == (None, [])


def test_admin_activates_a_rule_set_and_the_history_shows_who_and_when(
    api: Api,
) -> None:
    first = api.client.post(
        "/rules", json={"rules": RULES}, headers=api.headers("admin")
    )
    second_text = RULES.replace("http-v1", "http-v2")
    scheduled = api.client.post(
        "/rules",
        json={
            "rules": second_text,
            "name": "http-v2.toml",
            "effective_from": "2099-01-01T00:00:00+00:00",
        },
        headers=api.headers("admin"),
    )

    assert first.status_code == 201, first.text
    assert_conforms("RuleSetActivated", first.json())
    assert (first.json()["version"], first.json()["actor"]) == ("http-v1", "admin")
    assert first.json()["status"] == "in force"
    assert scheduled.status_code == 201
    assert scheduled.json()["status"] == "scheduled"
    history = api.get("/rules", role="auditor").json()
    assert history["in_force"]["version"] == "http-v1"
    assert [(a["version"], a["status"]) for a in history["activations"]] == [
        ("http-v1", "in force"),
        ("http-v2", "scheduled"),
    ]
    assert history["activations"][1]["documents"] == ["http-v2.toml"]


@pytest.mark.parametrize(
    ("text", "rule", "field"),
    [
        (RULES.replace('queue = "network"', 'queue = "nowhere"'), "VPN", "route.queue"),
        (RULES.replace('"true"', '"state == 3"'), "TAG-ALL", "when"),
        (RULES.replace('tag = "seen"', 'colour = "red"'), "TAG-ALL", "colour"),
        (RULES.replace('id = "TAG-ALL"', 'id = "VPN"'), "VPN", "id"),
    ],
)
def test_a_bad_rule_is_422_naming_the_rule_and_the_problem(
    api: Api, text: str, rule: str, field: str
) -> None:
    response = api.client.post(
        "/rules", json={"rules": text}, headers=api.headers("admin")
    )

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_rule_set"
    problems = error["details"]["problems"]
    assert any(p["rule_id"] == rule and p["field"] == field for p in problems)
    assert f"rule {rule}.{field}" in error["details"]["fields"]
    assert api.get("/rules", role="admin").json()["activations"] == []


def test_absurd_rule_sets_are_refused_cleanly(api: Api) -> None:
    headers = api.headers("admin", **{"Content-Type": "application/json"})
    deep_condition = RULES.replace('"true"', '"' + "not " * 2000 + 'true"')
    deep_toml = 'version = "x"\na = ' + "[" * 5000 + "]" * 5000
    huge = json.dumps({"rules": "#" * (65 * 1024)})

    condition = _post(api, "/rules", {"rules": deep_condition})
    toml = _post(api, "/rules", {"rules": deep_toml})
    too_large = api.client.post("/rules", content=huge, headers=headers)
    nested_json = api.client.post("/rules", content="[" * 50_000, headers=headers)

    assert condition.status_code == 422  # type: ignore[attr-defined]
    assert "nested too deeply" in condition.text  # type: ignore[attr-defined]
    assert toml.status_code == 422  # type: ignore[attr-defined]
    assert too_large.status_code == 413
    assert nested_json.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "rules"),
        ({"rules": ""}, "rules"),
        ({"rules": 7}, "rules"),
        ({"rules": RULES, "effective_from": "2099-01-01T00:00:00"}, "effective_from"),
        ({"rules": RULES, "name": " bad"}, "name"),
        ({"rules": RULES, "extra": True}, "extra"),
    ],
)
def test_activation_body_problems_are_named(
    api: Api, body: dict[str, object], field: str
) -> None:
    response = api.client.post("/rules", json=body, headers=api.headers("admin"))

    assert response.status_code == 422
    assert field in response.json()["error"]["details"]["fields"]


def test_only_admins_activate_and_analysts_preview(api: Api) -> None:
    for role in ("agent", "supervisor", "analyst", "auditor", "requester"):
        activate = api.client.post(
            "/rules", json={"rules": RULES}, headers=api.headers(role)
        )
        assert activate.status_code == 403, role
    for role in ("agent", "supervisor", "auditor", "admin", "requester"):
        preview = api.client.post(
            "/rules/preview", json={"rules": RULES}, headers=api.headers(role)
        )
        assert preview.status_code == 403, role
    assert api.client.post("/rules/preview", json={"rules": RULES}).status_code == 401
    assert api.get("/rules", role="requester").status_code == 403


def test_preview_lists_what_the_candidate_would_have_done_differently(
    api: Api,
) -> None:
    assert api.open(title="VPN drops every hour").status_code == 201
    assert api.open(title="Printer jam").status_code == 201

    response = api.client.post(
        "/rules/preview", json={"rules": RULES}, headers=api.headers("analyst")
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert_conforms("RulesPreview", body)
    assert body["counterfactual"] is True
    assert body["candidate"]["version"] == "http-v1"
    assert body["summary"]["tickets"] == 2
    found = {(d["number"], d["kind"], d["candidate_rule"]) for d in body["differences"]}
    assert found == {
        ("INC0000001", "route", "VPN"),
        ("INC0000001", "tag", "TAG-ALL"),
        ("INC0000002", "tag", "TAG-ALL"),
    }
    assert api.get("/rules", role="admin").json()["activations"] == []  # no writes


def test_preview_limit_and_errors(api: Api) -> None:
    assert api.open(title="VPN drops").status_code == 201
    headers = api.headers("analyst")

    capped = api.client.post(
        "/rules/preview", json={"rules": RULES, "limit": 1}, headers=headers
    ).json()
    bad = api.client.post(
        "/rules/preview",
        json={"rules": RULES.replace("network", "nowhere", 2)},
        headers=headers,
    )
    missing = api.client.post("/rules/preview", json={}, headers=headers)

    assert len(capped["differences"]) == 1
    assert capped["summary"]["differences"] == 2
    assert bad.status_code == 422
    assert missing.status_code == 422
    assert "rules" in missing.json()["error"]["details"]["fields"]


def test_webhook_deliveries_with_their_attempts(api: Api) -> None:
    now = api.runtime.clock.now()
    sink = OutboxSink(api.runtime.engine)
    for n in (1, 2):
        sink.enqueue(
            WebhookRequest(
                id=f"00000000-0000-0000-0000-00000000000{n}",
                created_at=now + timedelta(seconds=n),
                ticket_id="9b2f0e38-5a1f-4d56-9d07-6c7a1a3c3b11",
                ticket_number=f"INC000000{n}",
                trigger="opened",
                rule_id="SLA-80",
                rule_set_version="default-v1",
                name="notify",
                url="https://hooks.example.invalid/x",
                payload={"n": n},
            )
        )
    (row, *_) = claim_due(
        api.runtime.engine, now + timedelta(minutes=1), timedelta(minutes=1), 1
    )
    record_attempt(
        api.runtime.engine,
        row,
        Attempt(now + timedelta(minutes=1), 0.1, 200, None, "delivered", None),
    )

    everything = api.get("/rules/webhooks", role="admin").json()
    delivered = api.get("/rules/webhooks", role="auditor", status="delivered").json()

    assert_conforms("WebhookDeliveries", everything)
    assert [d["ticket_number"] for d in everything["deliveries"]] == [
        "INC0000002",
        "INC0000001",
    ]
    assert [d["status"] for d in delivered["deliveries"]] == ["delivered"]
    assert delivered["deliveries"][0]["attempt_log"][0]["status_code"] == 200
    assert api.get("/rules/webhooks", status="lost").status_code == 422
    assert api.get("/rules/webhooks", role="requester").status_code == 403
    assert api.get("/rules/webhooks", role=None).status_code == 401
