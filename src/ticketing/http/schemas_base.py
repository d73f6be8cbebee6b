"""Small JSON Schema builders shared by the request and response schemas."""

from __future__ import annotations

from typing import Any, Final

Schema = dict[str, Any]

STR: Final[Schema] = {"type": "string"}
INT: Final[Schema] = {"type": "integer"}
NUM: Final[Schema] = {"type": "number"}
BOOL: Final[Schema] = {"type": "boolean"}
TIME: Final[Schema] = {"type": "string", "format": "date-time"}
UUID_STR: Final[Schema] = {"type": "string", "format": "uuid"}
OBJ: Final[Schema] = {"type": "object"}
#: An identifier: no control characters, no leading or trailing whitespace.
NAME_PATTERN: Final = (
    r"^[^\s\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f])?$"
)
NAME: Final[Schema] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "pattern": NAME_PATTERN,
}


def null(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str], *, extra: bool = False, **props: Schema) -> Schema:
    return object_schema(required, props, extra=extra)


def object_schema(
    required: list[str], props: dict[str, Schema], *, extra: bool = False
) -> Schema:
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": extra,
    }
