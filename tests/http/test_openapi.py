"""The OpenAPI document matches the routes the app really serves, both ways."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.routing import Mount, Route

from ticketing.http.commandmap import ALL_COMMAND_ROUTES, body_fields
from ticketing.http.schemas import command_body_schema

if TYPE_CHECKING:
    from tests.http.conftest import Api


def _served(api: Api) -> set[tuple[str, str]]:
    served = set()
    for route in api.app.routes:
        if isinstance(route, Mount) and route.path == "/console":
            continue  # the web console's HTML pages (docs/console.md), not the API
        assert isinstance(route, Route), f"unexpected route type {route!r}"
        for method in route.methods or ():
            if method != "HEAD":
                served.add((method.lower(), route.path))
    return served


def _documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, ops in doc["paths"].items() for method in ops}


def test_every_served_route_is_documented_and_nothing_else(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()

    assert _served(api) == _documented(doc)


def test_every_reference_resolves(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]

    refs = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"].rsplit("/", 1)[-1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs - set(schemas) == set()
    assert doc["openapi"] == "3.0.3"


def test_operations_document_auth_errors_and_bodies(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()

    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            responses = op["responses"]
            if op["security"]:
                assert {"401", "403"} <= set(responses), where
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= set(responses), where
            if "{ref}" in path:
                assert "404" in responses, where
            assert all(r["description"] for r in responses.values()), where


def test_command_bodies_list_exactly_the_fields_a_client_may_send() -> None:
    for route in ALL_COMMAND_ROUTES:
        schema = command_body_schema(route.command)
        names = [f.name for f in body_fields(route.command)]
        assert list(schema["properties"]) == names, route.command
        assert schema["additionalProperties"] is False
        for server_field in ("command_id", "expected_version", "ticket_id", "number"):
            assert server_field not in schema["properties"], route.command


def test_the_document_is_json_and_stable(api: Api) -> None:
    first = api.client.get("/openapi.json").text
    second = api.client.get("/openapi.json").text

    assert json.loads(first) == json.loads(second)
