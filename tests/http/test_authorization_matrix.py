"""Every role x every route: 401 without a token, 403 exactly where the table says."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from tests.http.conftest import TEST_CONFIG, Api, running_api
from ticketing.http.app import all_route_specs
from ticketing.http.auth import ACTIONS, PERMISSIONS, ROLES
from ticketing.http.tokens import TokenStore

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.http.routing import RouteSpec

SPECS = all_route_specs()


@pytest.fixture(scope="module")
def matrix_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, str]]:
    config = replace(TEST_CONFIG, sse_max_seconds=0.05)
    with running_api(tmp_path_factory.mktemp("matrix"), config) as api:
        store = TokenStore(api.runtime.engine)
        victim, _ = store.create("victim", "agent", api.runtime.clock.now())
        assert api.open(role="requester").status_code == 201
        yield api, victim.prefix


def _call(api: Api, spec: RouteSpec, role: str | None, token_ref: str) -> int:
    path = spec.path.replace("{ref}", "INC0000001").replace("{token}", token_ref)
    headers = api.headers(role)
    if spec.method == "POST":
        return api.client.post(path, json={}, headers=headers).status_code
    return api.client.request(spec.method, path, headers=headers).status_code


def test_every_route_names_a_known_action() -> None:
    for spec in SPECS:
        assert spec.action is None or spec.action in ACTIONS, spec.operation_id


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.method} {s.path}")
def test_role_matrix(matrix_api: tuple[Api, str], spec: RouteSpec) -> None:
    api, token_ref = matrix_api
    anonymous = _call(api, spec, None, token_ref)
    if spec.action is None:
        assert anonymous not in (401, 403)
        return
    assert anonymous == 401

    outcomes = {role: _call(api, spec, role, token_ref) for role in ROLES}

    for role, status in outcomes.items():
        if spec.action in PERMISSIONS[role]:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)
