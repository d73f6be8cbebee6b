"""docs/http-api.md shows the role x route table the code enforces."""

from __future__ import annotations

from pathlib import Path

from ticketing.http.app import all_route_specs
from ticketing.http.auth import PERMISSIONS, ROLES

DOC = Path(__file__).parents[2] / "docs" / "http-api.md"


def role_table() -> str:
    lines = [
        "| method | path | action | " + " | ".join(ROLES) + " |",
        "| --- | --- | --- |" + " :-: |" * len(ROLES),
    ]
    for s in all_route_specs():
        marks = [
            "✓" if s.action is None or s.action in PERMISSIONS[r] else "" for r in ROLES
        ]
        action = s.action or "public"
        lines.append(
            f"| {s.method} | `{s.path}` | {action} | " + " | ".join(marks) + " |"
        )
    return "\n".join(lines)


def test_the_documented_role_table_is_the_enforced_one() -> None:
    assert role_table() in DOC.read_text(encoding="utf-8")
