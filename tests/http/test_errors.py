"""Every error mapping: the status of each error class, and each HTTP failure mode."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

import ticketing.http.errors as http_errors
from tests.http.schema_check import assert_conforms
from ticketing import errors
from ticketing.console.session import CsrfRefusedError
from ticketing.http.errors import status_for
from ticketing.rules.errors import RuleSetError
from ticketing.store.log_export import ExportError
from ticketing.store.log_import import StoreNotEmptyError
from ticketing.store.portable import PortableLogError
from ticketing.store.seal import InvalidSealError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.http.conftest import Api

EXPECTED_STATUS: dict[type[errors.TicketingError], int] = {
    errors.TicketingError: 500,
    errors.InvalidCommandError: 422,
    errors.PolicyError: 422,
    errors.InvalidInputError: 422,
    PortableLogError: 422,
    InvalidSealError: 422,
    RuleSetError: 422,
    ExportError: 409,
    StoreNotEmptyError: 409,
    errors.NotFoundError: 404,
    errors.TicketNotFoundError: 404,
    errors.UnknownProjectionError: 404,
    errors.DomainError: 409,
    errors.InvalidTransitionError: 409,
    errors.NoChangeError: 409,
    errors.OutOfOrderTimeError: 409,
    errors.ConflictError: 409,
    errors.ConcurrencyConflictError: 409,
    errors.IdempotencyConflictError: 409,
    errors.ConfigurationError: 500,
    errors.ProjectionError: 503,
    errors.CorruptEventError: 500,
    errors.ProjectionHandlerError: 503,
    errors.CheckpointMovedError: 503,
    http_errors.HttpError: 400,
    http_errors.MalformedRequestError: 400,
    http_errors.UnauthenticatedError: 401,
    http_errors.ForbiddenError: 403,
    http_errors.RouteNotFoundError: 404,
    http_errors.MethodNotAllowedError: 405,
    http_errors.PayloadTooLargeError: 413,
    http_errors.UnsupportedMediaTypeError: 415,
    http_errors.ProjectionBehindError: 503,
    CsrfRefusedError: 403,
}


def _all_subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_error_class_has_a_tested_status() -> None:
    known = {errors.TicketingError, *_all_subclasses(errors.TicketingError)}
    ours = {c for c in known if c.__module__.startswith("ticketing.")}
    assert ours == set(EXPECTED_STATUS)


@pytest.mark.parametrize(
    ("cls", "status"), EXPECTED_STATUS.items(), ids=lambda v: getattr(v, "__name__", v)
)
def test_error_class_maps_to_status(
    cls: type[errors.TicketingError], status: int
) -> None:
    exc = RuleSetError("rules.toml", []) if cls is RuleSetError else cls("boom")
    assert status_for(exc) == status


def test_a_stale_version_is_412_only_when_if_match_was_sent() -> None:
    exc = errors.ConcurrencyConflictError("stale")

    assert status_for(exc, if_match_sent=True) == 412
    assert status_for(exc, if_match_sent=False) == 409


def _post(api: Api, content: bytes, content_type: str = "application/json") -> object:
    api.open()
    return api.client.post(
        "/tickets/INC0000001/comments",
        content=content,
        headers=api.headers("agent", **{"Content-Type": content_type}),
    )


@pytest.mark.parametrize(
    "content",
    [
        b'{"body": ',
        b'{"body": NaN}',
        b'{"body": "a", "body": "b"}',
        b"[" * 60_000,
        b'{"body": "\xff"}',
        b'{"body": "\\ud800"}',
    ],
    ids=["truncated", "nan", "duplicate-key", "deep", "bad-utf8", "lone-surrogate"],
)
def test_malformed_json_is_400(api: Api, content: bytes) -> None:
    response = _post(api, content)

    assert response.status_code == 400  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert_conforms("Error", body)
    assert body["error"]["code"] == "malformed_request"


def test_a_json_value_that_is_not_an_object_is_422(api: Api) -> None:
    response = _post(api, b"[1, 2]")

    assert response.status_code == 422  # type: ignore[attr-defined]
    fields = response.json()["error"]["details"]["fields"]  # type: ignore[attr-defined]
    assert fields == {"body": "must be a JSON object"}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json; charset=latin-1", ""]
)
def test_a_body_that_is_not_json_is_415(api: Api, content_type: str) -> None:
    response = _post(api, b'{"body": "x"}', content_type)

    assert response.status_code == 415  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "unsupported_media_type"  # type: ignore[attr-defined]


def test_an_empty_body_is_an_empty_object(api: Api) -> None:
    api.open()
    api.command("INC0000001", "hold", {"reason": "awaiting_vendor"})

    response = api.client.post(
        "/tickets/INC0000001/resume", headers=api.headers("agent")
    )

    assert response.status_code == 200


def test_a_declared_oversized_body_is_413_before_reading(api: Api) -> None:
    big = b'{"body": "' + b"x" * (70 * 1024) + b'"}'

    response = _post(api, big)

    assert response.status_code == 413  # type: ignore[attr-defined]
    assert response.json()["error"]["details"] == {"max_bytes": 64 * 1024}  # type: ignore[attr-defined]


def test_a_streamed_oversized_body_is_413(api: Api) -> None:
    api.open()

    def chunks() -> Iterator[bytes]:
        yield b'{"body": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = api.client.post(
        "/tickets/INC0000001/comments",
        content=chunks(),
        headers=api.headers("agent", **{"Content-Type": "application/json"}),
    )

    assert response.status_code == 413
    assert "content-length" not in response.request.headers


def test_missing_and_bad_tokens_are_401_with_a_challenge(api: Api) -> None:
    cases = [
        {},
        {"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer tkt_0000000000_wrong"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": api.headers("agent")["Authorization"] + "x"},
    ]
    for headers in cases:
        response = api.client.get("/tickets", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"]["code"] == "unauthenticated"
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_valid_token_without_the_permission_is_403_not_401(api: Api) -> None:
    response = api.get("/tickets", role="admin")

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "forbidden",
        "message": "role 'admin' may not queue.read",
        "details": {"role": "admin", "action": "queue.read"},
    }


def test_unknown_route_is_404_and_wrong_method_is_405(api: Api) -> None:
    missing = api.client.get("/nothing/here")
    wrong = api.client.delete("/tickets", headers=api.headers("agent"))

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "route_not_found"
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in wrong.headers["allow"]


def test_a_refused_transition_is_409(api: Api) -> None:
    api.open()

    response = api.command("INC0000001", "close", {})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_a_change_that_changes_nothing_is_409(api: Api) -> None:
    api.open()
    api.command("INC0000001", "tag", {"tag": "x"})

    response = api.command("INC0000001", "tag", {"tag": "x"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_change"


def test_invalid_fields_are_422_all_at_once(api: Api) -> None:
    response = api.client.post(
        "/tickets",
        json={"type": "outage", "title": "", "impact": 9, "urgency": "high"},
        headers=api.headers("agent"),
    )

    assert response.status_code == 422
    fields = response.json()["error"]["details"]["fields"]
    assert set(fields) == {"type", "title", "impact", "urgency", "requester_id"}


def test_an_unexpected_error_is_500_with_a_logged_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    api.open()

    def explode(*_: object, **__: object) -> None:
        msg = "disk on fire"
        raise RuntimeError(msg)

    monkeypatch.setattr(api.runtime.service, "execute", explode)
    with caplog.at_level(logging.ERROR):
        response = api.command(
            "INC0000001", "tag", {"tag": "x"}, **{"X-Request-Id": "req-123"}
        )

    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": (
                "unexpected server error; it has been logged with the request id"
            ),
            "details": {"request_id": "req-123"},
        }
    }
    assert response.headers["x-request-id"] == "req-123"
    assert any("req-123" in r.getMessage() and r.exc_info for r in caplog.records)


def test_every_response_has_a_request_id(api: Api) -> None:
    response = api.client.get("/health")

    assert len(response.headers["x-request-id"]) == 32


def test_control_characters_in_references_never_reach_the_database(api: Api) -> None:
    for ref in ("INC%00001", "%ED%A0%80", "x" * 300):
        response = api.get(f"/tickets/{ref}")
        assert response.status_code == 404, ref
