"""Check a JSON body against a component of the served OpenAPI 3.0 document."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs

from ticketing.http.app import all_route_specs
from ticketing.http.openapi import build_document


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _defs() -> dict[str, Any]:
    components = build_document(all_route_specs())["components"]["schemas"]
    converted: dict[str, Any] = _to_json_schema(components)
    return converted


def assert_conforms(component: str, body: Any) -> None:
    """Fail with the validator's message when ``body`` breaks the schema."""
    schema = {"$defs": _defs(), "$ref": f"#/$defs/{component}"}
    errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(body)]
    assert errors == [], f"{component}: {errors[:5]}"
