"""Loading rule files: every bad-input kind is rejected with file, rule id and line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ticketing.automation.limits import MAX_CHAIN_DEPTH
from ticketing.errors import PolicyError
from ticketing.rules import (
    DEFAULT_RULE_SET_VERSION,
    Directory,
    RouteAction,
    RuleSetError,
    load_rule_file,
    load_rule_set,
    parse_rule_set,
    published_versions,
)
from ticketing.rules import loader as loader_module

if TYPE_CHECKING:
    from pathlib import Path

SOURCE = "candidate.toml"
Problem = tuple[int, str | None, str, str]


def problems_of(text: str, directory: Directory) -> list[Problem]:
    """(line, rule id, field, reason) for each problem, in report order."""
    with pytest.raises(RuleSetError) as caught:
        parse_rule_set(text, SOURCE, directory)
    return [
        (
            p.details["line"],
            p.details["rule_id"],
            p.details["field"],
            p.details["reason"],
        )
        for p in caught.value.problems
    ]


def assert_one_problem(text: str, directory: Directory, expected: Problem) -> None:
    line, rule, field, reason = expected
    found = problems_of(text, directory)

    assert len(found) == 1, found
    got_line, got_rule, got_field, got_reason = found[0]
    assert (got_line, got_rule, got_field) == (line, rule, field)
    assert reason in got_reason


def test_a_valid_file_loads_with_rules_in_file_order(directory: Directory) -> None:
    text = """version = "t-1"

[[rule]]
id = "R1"
when = 'type == "incident"'
route = { queue = "network" }

[[rule]]
id = "R2"
when = "true"
route = { queue = "service-desk", group = "service-desk-l1" }
"""

    rule_set = parse_rule_set(text, SOURCE, directory)

    assert rule_set.version == "t-1"
    assert [r.id for r in rule_set.rules] == ["R1", "R2"]
    assert [r.line for r in rule_set.rules] == [3, 8]
    assert rule_set.rules[1].actions == (
        RouteAction("service-desk", "service-desk-l1"),
    )
    assert rule_set.rules[0].triggers == frozenset({"opened"})
    assert rule_set.max_chain_depth == MAX_CHAIN_DEPTH  # the processor's bound
    assert rule_set.queues == frozenset()
    assert len(rule_set.digest) == 64
    assert rule_set.rule("R2") is rule_set.rules[1]
    assert rule_set.rule("R3") is None


def test_toml_syntax_error_names_the_line_and_the_rule(directory: Directory) -> None:
    text = """version = "t-1"

[[rule]]
id = "R1"
when = 'type == "incident"'
route = { queue = "network" }

[[rule]]
id = "R2"
when = 'type == "change"
route = { queue = "network" }
"""

    assert_one_problem(text, directory, (10, "R2", "toml", "syntax error"))


def test_toml_syntax_error_before_any_rule_has_no_rule(directory: Directory) -> None:
    text = 'version = = "t-1"\n\n[[rule]]\nid = "R1"\n'

    assert_one_problem(text, directory, (1, None, "toml", "syntax error"))


def test_unknown_field_points_at_its_line_inside_a_multiline_condition(
    directory: Directory,
) -> None:
    text = """version = "t-1"

[[rule]]
id = "R1"
when = '''
type == "incident"
and priority == "P1"
and requester_dept == "finance"
'''
route = { queue = "network" }
"""

    assert_one_problem(
        text, directory, (8, "R1", "when", "unknown field 'requester_dept'")
    )


def test_syntax_error_in_a_basic_multiline_condition_names_its_line(
    directory: Directory,
) -> None:
    text = '''version = "t-1"

[[rule]]
id = "R1"
when = """type == "incident"
  and (impact == 1"""
route = { queue = "network" }
'''

    assert_one_problem(
        text, directory, (6, "R1", "when", "syntax error: unexpected end")
    )


def test_type_mismatch_names_the_when_line(directory: Directory) -> None:
    text = """version = "t-1"
[[rule]]
id = "R1"
description = "impact is a number"
when = 'impact == "high"'
tag = "odd"
"""

    assert_one_problem(
        text, directory, (5, "R1", "when", "cannot compare number with string")
    )


BAD_ACTIONS: list[tuple[str, str, str]] = [
    # (action line, field, reason fragment)
    ('route = { queue = "nowhere" }', "route.queue", "unknown queue 'nowhere'"),
    ('route = { queue = "network", group = "ghosts" }', "route.group", "unknown group"),
    ("route = { group = 'dba' }", "route.queue", "queue is required"),
    ('route = { queue = "network", colour = "red" }', "route.colour", "unknown key"),
    ('route = "network"', "route", "must be a table"),
    ('assign = { agent = "zed" }', "assign.agent", "unknown agent 'zed'"),
    ('assign = { agent = "ada", group = "dba" }', "assign.agent", "not a member"),
    ('assign = { strategy = "fastest", group = "iam" }', "assign.strategy", "strategy"),
    ('assign = { strategy = "least_loaded" }', "assign", "needs a group"),
    (
        'assign = { strategy = "least_loaded", group = "nobody" }',
        "assign.group",
        "unknown group 'nobody'",
    ),
    (
        'assign = { strategy = "skills_match", group = "iam" }',
        "assign.skills",
        "non-empty list",
    ),
    (
        'assign = { strategy = "skills_match", group = "iam", skills = ["cobol"] }',
        "assign.skills",
        "no member of group 'iam' has all",
    ),
    (
        'assign = { strategy = "round_robin", group = "iam", skills = ["okta"] }',
        "assign.skills",
        "only used by the skills_match",
    ),
    ('assign = { agent = "ian", strategy = "round_robin" }', "assign", "not both"),
    ("set_priority = { impact = 5 }", "set_priority.impact", "from 1 to 3"),
    ('set_priority = { urgency = "high" }', "set_priority.urgency", "from 1 to 3"),
    ("set_priority = {}", "set_priority", "give impact and/or urgency"),
    ('tag = " padded "', "tag", "whitespace"),
    ("tag = 7", "tag", "must be a string"),
    ("escalate = { level = 2 }", "escalate.reason", "reason is required"),
    ('escalate = { level = 0, reason = "x" }', "escalate.level", "from 1 to 9"),
    ('webhook = { name = "n", url = "ftp://x.example" }', "webhook.url", "http(s)"),
    (
        'webhook = { name = "n", url = "https://u:p@x.example/h" }',
        "webhook.url",
        "credentials",
    ),
    ('webhook = { url = "https://x.example/h" }', "webhook.name", "name is required"),
]


@pytest.mark.parametrize(("action", "field", "reason"), BAD_ACTIONS)
def test_bad_action_is_rejected_on_its_line(
    directory: Directory, action: str, field: str, reason: str
) -> None:
    text = f"""version = "t-1"

[[rule]]
id = "R9"
when = "true"
{action}
"""

    assert_one_problem(text, directory, (6, "R9", field, reason))


def test_action_in_a_sub_table_is_located_by_its_key(directory: Directory) -> None:
    text = """version = "t-1"

[[rule]]
id = "R1"
when = "true"

[rule.route]
group = "dba"
queue = "warehouse"
"""

    assert_one_problem(text, directory, (9, "R1", "route.queue", "unknown queue"))


def test_duplicate_rule_id_names_the_second_and_the_first_line(
    directory: Directory,
) -> None:
    text = """version = "t-1"

[[rule]]
id = "R1"
when = "true"
tag = "a"

[[rule]]
id = "R1"
when = "true"
tag = "b"
"""

    assert_one_problem(text, directory, (9, "R1", "id", "first at line 4"))


RULE_PROBLEMS: list[tuple[str, int, str, str]] = [
    # (rule body after the header on line 3, line, field, reason fragment)
    (
        'id = "R1"\nwhen = "true"\nrout = { queue = "network" }\ntag = "a"',
        6,
        "rout",
        "did you mean 'route'?",
    ),
    (
        'id = "R1"\non = ["opened", "closed"]\nwhen = "true"\ntag = "a"',
        5,
        "on",
        "distinct triggers",
    ),
    ('id = "R1"\non = []\nwhen = "true"\ntag = "a"', 5, "on", "distinct triggers"),
    ('id = "R1"\ntag = "a"', 3, "when", "a condition string is required"),
    ('id = "R1"\nwhen = true\ntag = "a"', 5, "when", "a condition string"),
    ('id = "R1"\nwhen = "true"', 3, "actions", "no action"),
    (
        'id = "R1"\ndescription = 3\nwhen = "true"\ntag = "a"',
        5,
        "description",
        "short text",
    ),
]


@pytest.mark.parametrize(("body", "line", "field", "reason"), RULE_PROBLEMS)
def test_bad_rule_table_is_rejected_on_its_line(
    directory: Directory, body: str, line: int, field: str, reason: str
) -> None:
    text = f'version = "t-1"\n\n[[rule]]\n{body}\n'

    assert_one_problem(text, directory, (line, "R1", field, reason))


def test_rule_without_valid_id_is_named_by_position(directory: Directory) -> None:
    text = """version = "t-1"

[[rule]]
id = "R1"
when = "true"
tag = "a"

[[rule]]
id = "has spaces"
when = "true"
tag = "b"
"""

    assert_one_problem(text, directory, (9, "#2", "id", "an id of letters"))


TOP_PROBLEMS: list[tuple[str, int, str, str]] = [
    (
        'version = "v"\ndescription = ["x"]\n'
        '[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"',
        2,
        "description",
        "short text",
    ),
    (
        'version = "v"\nmax_chain_depth = true\n'
        '[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"',
        2,
        "max_chain_depth",
        "from 1 to 5",
    ),
    (
        'description = "no version"\n[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"',
        1,
        "version",
        "a version name is required",
    ),
    (
        'version = "v"\nmax_chain_depth = 0\n'
        '[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"',
        2,
        "max_chain_depth",
        "from 1 to 5",
    ),
    (
        'version = "v"\nauthor = "me"\n[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"',
        2,
        "author",
        "unknown key 'author'",
    ),
    ('version = "v"\n', 1, "rule", "at least one [[rule]]"),
    (
        'version = "v"\nmax_chain_depth = 6\n'
        '[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"',
        2,
        "max_chain_depth",
        "from 1 to 5",
    ),
    (
        'version = "v"\nqueues = "desk"\n[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"',
        2,
        "queues",
        "a list of queue names",
    ),
    (
        'version = "v"\nqueues = ["a", "b", "a"]\n'
        '[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"',
        2,
        "queues",
        "declared twice: a",
    ),
    ('version = "v"\n[[rules]]\nid = "R1"', 2, "rules", "did you mean 'rule'?"),
]


@pytest.mark.parametrize(("text", "line", "field", "reason"), TOP_PROBLEMS)
def test_bad_top_level_is_rejected_on_its_line(
    directory: Directory, text: str, line: int, field: str, reason: str
) -> None:
    found = [p for p in problems_of(text, directory) if p[2] == field]

    assert [(p[0], p[1]) for p in found] == [(line, None)]
    assert reason in found[0][3]


def test_every_problem_in_a_file_is_reported_together(directory: Directory) -> None:
    text = """version = "t-1"

[[rule]]
id = "R1"
when = 'typ == "incident"'
route = { queue = "nowhere" }

[[rule]]
id = "R2"
when = "true"
assign = { agent = "zed" }
set_priority = { impact = 9 }
"""

    found = problems_of(text, directory)

    assert [(line, rule, field) for line, rule, field, _ in found] == [
        (5, "R1", "when"),
        (6, "R1", "route.queue"),
        (11, "R2", "assign.agent"),
        (12, "R2", "set_priority.impact"),
    ]


def test_rejection_error_carries_codes_and_details(directory: Directory) -> None:
    text = (
        'version = "t-1"\n[[rule]]\nid = "R1"\nwhen = "true"\nroute = { queue = "x" }\n'
    )

    with pytest.raises(RuleSetError) as caught:
        parse_rule_set(text, SOURCE, directory)

    error = caught.value
    assert error.code == "invalid_rule_set"
    assert isinstance(error, PolicyError)
    assert error.details["file"] == SOURCE
    assert error.details["problems"] == [
        {
            "file": SOURCE,
            "line": 5,
            "rule_id": "R1",
            "field": "route.queue",
            "reason": "unknown queue 'x' (declare queues in queues = [...])",
        }
    ]
    assert all(p.code == "invalid_policy" for p in error.problems)
    assert "candidate.toml:5: rule R1: route.queue: unknown queue 'x'" in str(error)


def test_published_default_rule_set_loads(directory: Directory) -> None:
    rule_set = load_rule_set(DEFAULT_RULE_SET_VERSION, directory)

    assert DEFAULT_RULE_SET_VERSION in published_versions()
    assert rule_set.version == DEFAULT_RULE_SET_VERSION
    assert rule_set.rules[-1].id == "VENDOR-IDLE"


@pytest.mark.parametrize("version", ["no-such-version", "../priority/itil-3x3-v1"])
def test_unknown_published_version_is_rejected(
    directory: Directory, version: str
) -> None:
    with pytest.raises(RuleSetError) as caught:
        load_rule_set(version, directory)

    assert f"no published rule set {version!r}" in str(caught.value)


def test_unreadable_candidate_file_is_rejected(
    directory: Directory, tmp_path: Path
) -> None:
    binary = tmp_path / "rules.toml"
    binary.write_bytes(b"\xff\xfe version")

    with pytest.raises(RuleSetError, match="cannot read the file"):
        load_rule_file(binary, directory)
    with pytest.raises(RuleSetError, match="cannot read the file"):
        load_rule_file(tmp_path / "missing.toml", directory)


def test_published_file_must_declare_its_own_version(
    directory: Directory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "v2.toml").write_text(
        'version = "v3"\n[[rule]]\nid = "R1"\nwhen = "true"\ntag = "a"\n'
    )
    monkeypatch.setattr(loader_module, "DATA_DIR", tmp_path)

    with pytest.raises(RuleSetError) as caught:
        load_rule_set("v2", directory)

    assert caught.value.problems[0].details["line"] == 1
    assert "file declares 'v3', expected 'v2'" in str(caught.value)


def test_directory_changes_can_invalidate_a_rule_set(directory: Directory) -> None:
    smaller = type(directory).of(queues=["network"])
    text = (
        'version = "v"\n[[rule]]\nid = "R1"\nwhen = "true"\nroute = { queue = "dba" }\n'
    )

    found = problems_of(text, smaller)

    assert found == [
        (
            5,
            "R1",
            "route.queue",
            "unknown queue 'dba' (declare queues in queues = [...])",
        )
    ]


def test_rules_written_as_an_inline_array_are_accepted(directory: Directory) -> None:
    text = 'version = "v"\nrule = [{ id = "R1", when = "true", tag = "a" }]\n'

    rule_set = parse_rule_set(text, SOURCE, directory)

    assert [(r.id, r.line) for r in rule_set.rules] == [("R1", 2)]


def test_a_rule_that_is_not_a_table_is_named_by_position(directory: Directory) -> None:
    found = problems_of('version = "v"\nrule = [1]\n', directory)

    assert found == [(2, "#1", "rule", "each rule must be a [[rule]] table")]


def test_queues_declared_in_the_file_may_be_routed_to() -> None:
    text = """version = "q-1"
queues = ["triage", "night-shift"]

[[rule]]
id = "R1"
when = "true"
route = { queue = "triage" }
"""

    rule_set = parse_rule_set(text, SOURCE, Directory.of(queues=()))

    assert rule_set.queues == frozenset({"triage", "night-shift"})
    assert rule_set.rules[0].actions == (RouteAction("triage"),)


def test_a_route_to_an_undeclared_queue_is_rejected_with_a_hint() -> None:
    text = """version = "q-1"
queues = ["triage", "network"]

[[rule]]
id = "R1"
when = "true"
route = { queue = "netwrk" }
"""

    found = problems_of(text, Directory.of(queues=()))

    assert found == [
        (
            7,
            "R1",
            "route.queue",
            "unknown queue 'netwrk' (did you mean 'network'? "
            "declare queues in queues = [...])",
        )
    ]


@pytest.mark.parametrize(
    "value",
    ["[" * 5000 + "]" * 5000, "{a=" * 5000 + "1" + "}" * 5000],
    ids=["arrays", "inline tables"],
)
def test_absurdly_nested_toml_is_one_problem_not_a_crash(
    directory: Directory, value: str
) -> None:
    text = f'version = "deep"\nx = {value}\n'

    assert_one_problem(text, directory, (1, None, "toml", "nested too deeply"))
