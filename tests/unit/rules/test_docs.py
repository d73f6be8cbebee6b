"""docs/rules.md stays in step with the code: fields, action kinds, the example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.rules_fixtures import NOW, build_facts
from ticketing.rules import ACTION_KINDS, TRIGGERS, evaluate, parse_rule_set
from ticketing.rules.fields import FIELDS

if TYPE_CHECKING:
    from ticketing.rules import Directory

DOC = Path(__file__).parents[3] / "docs" / "rules.md"


def doc_text() -> str:
    return DOC.read_text("utf-8")


def test_every_field_is_documented_with_its_kind() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| ([a-z ?]+) \|", doc_text(), re.MULTILINE))

    assert {f.name: f.kind for f in FIELDS}.items() <= rows.items()


def test_every_action_kind_and_trigger_is_documented() -> None:
    text = doc_text()

    assert all(f"| `{kind}` | action |" in text for kind in ACTION_KINDS)
    assert all(f'`"{trigger}"`' in text for trigger in TRIGGERS)


def test_the_full_example_loads_and_decides(directory: Directory) -> None:
    example = re.search(r"### Full example.*?```toml\n(.*?)```", doc_text(), re.DOTALL)
    assert example is not None

    rule_set = parse_rule_set(example.group(1), "docs/rules.md", directory)
    facts = build_facts(
        category="network", priority="P1", requester_org="executive-office"
    )
    result = evaluate(rule_set, facts, trigger="opened", now=NOW)

    assert {d.kind: d.rule_id for d in result.decisions} == {
        "route": "MI-1",
        "set_priority": "VIP-1",
        "tag": "MI-1",
        "webhook": "MI-1",
    }
