"""The TOML line locator: headers and keys only where TOML sees them."""

from __future__ import annotations

import tomllib

from ticketing.rules.source import map_source, rule_id_near

TRICKY = '''version = "x"   # a [[rule]] in a comment
description = """
[[rule]]
id = "not a rule"
"""

[[rule]]
id = "R1"
on = [
    "opened",   # [[rule]]
    "changed",
]
"when" = \'\'\'
type == "incident"
and title =~ "a = b"
\'\'\'
route.queue = "network"
tag = 'quote " inside'

[[rule]]
id = 'R2'
when = """type == "x" \\
  and impact == 1"""
webhook = { name = "n", url = "https://x.example/[[rule]]" }

[rule.escalate]
reason = """ends with two quotes"""""
level = 2
'''


def test_tricky_file_is_valid_toml() -> None:
    decoded = tomllib.loads(TRICKY)

    assert [r["id"] for r in decoded["rule"]] == ["R1", "R2"]


def test_headers_inside_strings_and_comments_are_not_rules() -> None:
    smap = map_source(TRICKY)

    assert [r.header for r in smap.rules] == [7, 20]
    assert smap.top == {"version": 1, "description": 2}


def test_keys_are_found_after_multiline_arrays_and_strings() -> None:
    first, second = map_source(TRICKY).rules

    assert {k: v.line for k, v in first.keys.items()} == {
        "id": 8,
        "on": 9,
        "when": 13,
        "route.queue": 17,
        "tag": 18,
    }
    assert {k: v.line for k, v in second.keys.items()} == {
        "id": 21,
        "when": 22,
        "webhook": 24,
        "escalate": 26,
        "escalate.reason": 27,
        "escalate.level": 28,
    }


def test_offset_in_a_literal_multiline_value_maps_to_its_line() -> None:
    first = map_source(TRICKY).rules[0]
    when = tomllib.loads(TRICKY)["rule"][0]["when"]

    line = first.line_in_value("when", when, when.index("title"))

    assert line == 15


def test_line_continuation_falls_back_to_the_key_line() -> None:
    second = map_source(TRICKY).rules[1]
    when = tomllib.loads(TRICKY)["rule"][1]["when"]

    line = second.line_in_value("when", when, when.index("impact"))

    assert line == 22


def test_unknown_key_falls_back_to_the_nearest_parent_then_the_header() -> None:
    second = map_source(TRICKY).rules[1]

    assert second.line_of("webhook.url") == 24
    assert second.line_of("assign.agent") == 20
    assert second.line_of(None) == 20


def test_rule_containing_a_line() -> None:
    smap = map_source(TRICKY)

    assert smap.rule_containing(3) is None
    assert smap.rule_containing(12) == 0
    assert smap.rule_containing(99) == 1


def test_rule_id_is_read_leniently_from_broken_text() -> None:
    broken = '[[rule]]\nid = "R7"\nwhen = "oops\n[[rule]]\nwhen = "x"\n'

    assert rule_id_near(broken, 1) == "R7"
    assert rule_id_near(broken, 4) is None
    assert map_source(broken).unclosed_string_line == 3


def test_locations_outside_the_known_keys_fall_back() -> None:
    smap = map_source(TRICKY)
    first = smap.rules[0]

    assert first.line_in_value("when", "x", None) == 13
    assert first.line_in_value("description", "x", 0) == 7
    assert smap.rule_line(1, "id") == 21
    assert smap.rule_line(5) == 1
    assert rule_id_near(TRICKY, 20) == "R2"
