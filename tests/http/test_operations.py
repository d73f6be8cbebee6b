"""Health, Prometheus metrics, projection status, the OpenAPI document and docs page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from tests.http.schema_check import assert_conforms
from ticketing.projections.catalogue import default_projections

if TYPE_CHECKING:
    import pytest

    from tests.http.conftest import Api


def test_health_reports_the_database_and_the_head(api: Api) -> None:
    api.open()

    response = api.client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert_conforms("Health", body)
    assert body == {
        "status": "ok",
        "database": "sqlite",
        "log_head": 1,
        "projections_in_process": True,
    }


def test_health_is_503_when_the_database_is_away(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> int:
        raise OperationalError("select 1", {}, Exception("gone"))

    monkeypatch.setattr(
        api.runtime.projections.source.recorder, "max_notification_id", down
    )

    response = api.client.get("/health")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def test_metrics_count_requests_by_route_template_and_show_projection_lag(
    api: Api,
) -> None:
    api.open()
    api.get("/tickets/INC0000001")
    api.get("/tickets/INC0000404")

    text = api.client.get("/metrics").text

    assert re.search(
        r'ticketing_http_requests_total\{method="GET",route="/tickets/\{ref\}",'
        r'status="404",worker="\d+"\} 1',
        text,
    )
    assert 'route="/tickets",status="201"' in text
    assert "ticketing_http_request_duration_seconds_bucket{" in text
    assert 'ticketing_commands_total{command="open_ticket",outcome="accepted"' in text
    assert re.search(
        r'ticketing_projection_lag_events\{projection="queue_view",generation="1"\} \d',
        text,
    )
    assert "ticketing_projection_heartbeat_age_seconds{" in text
    assert "ticketing_log_head 1" in text
    assert api.client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_rejected_commands_are_counted_by_error_code(api: Api) -> None:
    api.open()
    api.command("INC0000001", "close", {})

    text = api.client.get("/metrics").text

    assert (
        'ticketing_commands_total{command="close_ticket",outcome="invalid_transition"'
        in text
    )


def test_projection_status(api: Api) -> None:
    position = api.open().json()["position"]
    api.get("/tickets", min_position=position)

    response = api.get("/projections", role="auditor")

    assert response.status_code == 200
    body = response.json()
    assert_conforms("ProjectionStatusList", body)
    keys = {p["key"] for p in body["projections"]}
    assert keys == set(default_projections())


def test_docs_page_is_self_contained(api: Api) -> None:
    response = api.client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'fetch("openapi.json")' in response.text
    assert "http://" not in response.text
    assert "https://" not in response.text
