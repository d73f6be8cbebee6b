"""Property-based conformance: schemathesis drives every documented operation.

Bounded (a fixed number of derandomized examples per operation and mode): no
5xx, and every status, content type, header and body conforms to
/openapi.json. Positive cases follow the schema; negative ones break it and
must be refused with a documented 4xx. Not checked: that every schema-valid
request is accepted, because some rules span fields (a priority override
needs a reason; change_priority needs at least one of three fields) and
OpenAPI 3.0 cannot say so; those are 422 with per-field details. The event
stream is excluded (an endless response); tests/http/test_sse.py covers it.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.http.conftest import TEST_CONFIG, running_api
from ticketing.http.app import all_route_specs
from ticketing.http.auth import PERMISSIONS, Role
from ticketing.http.config import HttpConfig

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.http.routing import RouteSpec

#: Examples per operation and mode; CI may raise it with SCHEMATHESIS_EXAMPLES.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
#: The token each operation is called with: the first of these roles that may.
ROLE_ORDER: tuple[Role, ...] = ("supervisor", "analyst", "admin")
SPECS = [s for s in all_route_specs() if s.path != "/events/stream"]
POSITIVE = schemathesis.GenerationMode.POSITIVE
NEGATIVE = schemathesis.GenerationMode.NEGATIVE


def _violable(spec: RouteSpec) -> bool:
    """Whether a request can break the schema (else negative mode has no cases)."""
    constrained = [p for p in spec.params if p.where != "path" and len(p.schema) > 1]
    return (
        spec.body is not None
        or any(p.where == "query" for p in spec.params)
        or bool(constrained)
    )


CASES = [
    pytest.param(spec, mode, id=f"{spec.method} {spec.path} {label}")
    for spec in SPECS
    for mode, label in ((POSITIVE, "positive"), (NEGATIVE, "negative"))
    if mode is POSITIVE or _violable(spec)
]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Any, dict[str, str]]]:
    config = replace(TEST_CONFIG, max_body_bytes=HttpConfig().max_body_bytes)
    with running_api(tmp_path_factory.mktemp("schemathesis"), config) as api:
        assert api.open(role="supervisor", title="seed").status_code == 201
        yield schemathesis.openapi.from_asgi("/openapi.json", api.app), api.tokens


def _auth(spec: RouteSpec, tokens: dict[str, str]) -> dict[str, str]:
    if spec.action is None:
        return {}
    role = next(r for r in ROLE_ORDER if spec.action in PERMISSIONS[r])
    return {"Authorization": f"Bearer {tokens[role]}"}


@pytest.mark.parametrize(("spec", "mode"), CASES)
def test_operation_conforms_to_the_schema(
    served: tuple[Any, dict[str, str]], spec: RouteSpec, mode: Any
) -> None:
    schema, tokens = served
    operation = schema[spec.path][spec.method]
    headers = _auth(spec, tokens)
    strategy = operation.as_strategy(mode, headers=headers or None)

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(
            headers=headers, excluded_checks=[positive_data_acceptance]
        )

    check()
