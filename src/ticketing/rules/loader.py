"""Load a rule file: decode, check everything, and build a RuleSet or reject it whole.

Every problem (TOML syntax, unknown key or field, type mismatch, unknown
queue/group/agent, duplicate id, bad action parameter) becomes one
``PolicyError`` naming file, rule id and line; they are raised together in a
``RuleSetError``. Nothing from a rejected file is returned, so the version in
force stays in force.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from ticketing.commands.validation import check_name, check_text
from ticketing.rules.actions import ACTION_KINDS, Action, parse_action
from ticketing.rules.errors import RuleSetError, rule_problem
from ticketing.rules.expressions import InvalidConditionError, compile_condition
from ticketing.rules.model import (
    DEFAULT_MAX_CHAIN_DEPTH,
    DEFAULT_TRIGGERS,
    MAX_CHAIN_DEPTH_LIMIT,
    TRIGGERS,
    Rule,
    RuleSet,
    Trigger,
)
from ticketing.rules.source import RULE_TABLE, RuleLines, map_source, rule_id_near

if TYPE_CHECKING:
    from ticketing.errors import PolicyError
    from ticketing.rules.directory import Directory
    from ticketing.rules.expressions import Condition
    from ticketing.rules.source import SourceMap

DATA_DIR: Final = Path(__file__).parent.parent / "policies" / "data" / "rules"
DEFAULT_RULE_SET_VERSION: Final = "default-v1"
DESCRIPTION_MAX: Final = 500
_RULE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TOP_KEYS: Final = frozenset(
    {"version", "description", "max_chain_depth", "queues", RULE_TABLE}
)
_RULE_KEYS: Final = frozenset({"id", "description", "on", "when", *ACTION_KINDS})
_TOML_POSITION: Final = re.compile(r"\(at line (\d+), column \d+\)")


def published_versions() -> tuple[str, ...]:
    """The rule-set versions shipped as package data, sorted."""
    return tuple(sorted(p.stem for p in DATA_DIR.glob("*.toml")))


def load_rule_set(version: str, directory: Directory) -> RuleSet:
    """A published rule set by version, checked against ``directory``."""
    path = DATA_DIR / f"{version}.toml"
    if not _RULE_ID.fullmatch(version) or not path.is_file():
        known = ", ".join(published_versions())
        reason = f"no published rule set {version!r} (known: {known})"
        raise RuleSetError(
            str(path), [rule_problem(str(path), 1, None, "version", reason)]
        )
    rule_set = load_rule_file(path, directory)
    if rule_set.version != version:
        line = map_source(path.read_text("utf-8")).top.get("version", 1)
        reason = f"file declares {rule_set.version!r}, expected {version!r}"
        raise RuleSetError(
            str(path), [rule_problem(str(path), line, None, "version", reason)]
        )
    return rule_set


def load_rule_file(path: Path, directory: Directory) -> RuleSet:
    """A candidate rule set from any file (e.g. for preview), checked the same way."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"cannot read the file: {exc}"
        problem = rule_problem(str(path), 1, None, "file", reason)
        raise RuleSetError(str(path), [problem]) from None
    return parse_rule_set(text, str(path), directory)


def parse_rule_set(text: str, source: str, directory: Directory) -> RuleSet:
    """Check ``text`` completely; return the RuleSet or raise ``RuleSetError``."""
    smap = map_source(text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(source, [_toml_problem(exc, text, source, smap)]) from None
    except RecursionError:
        reason = "syntax error: arrays or tables nested too deeply"
        problem = rule_problem(source, 1, None, "toml", reason)
        raise RuleSetError(source, [problem]) from None
    checker = _Checker(source, smap, directory)
    rule_set = checker.rule_set(raw, hashlib.sha256(text.encode()).hexdigest())
    if checker.problems or rule_set is None:
        in_file_order = sorted(checker.problems, key=lambda p: p.details["line"])
        raise RuleSetError(source, in_file_order)
    return rule_set


def _toml_problem(
    exc: tomllib.TOMLDecodeError, text: str, source: str, smap: SourceMap
) -> PolicyError:
    match = _TOML_POSITION.search(str(exc))
    if match:
        line = int(match.group(1))
    else:  # "at end of document": usually a string left open further up
        line = smap.unclosed_string_line or max(text.count("\n"), 1)
    index = smap.rule_containing(line)
    rule = None
    if index is not None:
        rule = rule_id_near(text, smap.rules[index].header) or f"#{index + 1}"
    return rule_problem(source, line, rule, "toml", f"syntax error: {exc}")


class _Checker:
    def __init__(self, source: str, smap: SourceMap, directory: Directory) -> None:
        self.source, self.smap, self.directory = source, smap, directory
        self.problems: list[PolicyError] = []

    def top_problem(self, key: str, reason: str) -> None:
        line = self.smap.top.get(key, 1)
        self.problems.append(rule_problem(self.source, line, None, key, reason))

    def rule_set(self, raw: dict[str, Any], digest: str) -> RuleSet | None:
        for key in raw:
            if key not in _TOP_KEYS:
                self.top_problem(key, _unknown_key(key, _TOP_KEYS))
        version = raw.get("version")
        if check_name(version):
            self.top_problem("version", "a version name is required")
        description = raw.get("description", "")
        if check_text(description, max_len=DESCRIPTION_MAX, required=False):
            self.top_problem("description", "must be a short text")
        depth = raw.get("max_chain_depth", DEFAULT_MAX_CHAIN_DEPTH)
        if isinstance(depth, bool) or not isinstance(depth, int):
            depth = -1
        if not 1 <= depth <= MAX_CHAIN_DEPTH_LIMIT:
            reason = f"must be a whole number from 1 to {MAX_CHAIN_DEPTH_LIMIT}"
            self.top_problem("max_chain_depth", reason)
        queues = self.queues(raw.get("queues", []))
        self.directory = replace(self.directory, queues=self.directory.queues | queues)
        rules = self.rules(raw.get(RULE_TABLE))
        if self.problems:
            return None
        return RuleSet(
            str(version), str(description), self.source, digest, depth, rules, queues
        )

    def queues(self, raw: object) -> frozenset[str]:
        """The queues the file declares: distinct names, usable by its routes."""
        if not isinstance(raw, list) or any(check_name(q) for q in raw):
            self.top_problem("queues", "a list of queue names is required")
            return frozenset()
        duplicates = sorted({q for q in raw if raw.count(q) > 1})
        if duplicates:
            self.top_problem("queues", f"declared twice: {', '.join(duplicates)}")
        return frozenset(raw)

    def rules(self, raw: object) -> tuple[Rule, ...]:
        if not isinstance(raw, list) or not raw:
            self.top_problem(RULE_TABLE, "at least one [[rule]] table is required")
            return ()
        built: list[Rule] = []
        first_line: dict[str, int] = {}
        for index, table in enumerate(raw):
            lines = self.rule_lines(index)
            if not isinstance(table, dict):
                label = f"#{index + 1}"
                reason = "each rule must be a [[rule]] table"
                self.problems.append(
                    rule_problem(self.source, lines.header, label, RULE_TABLE, reason)
                )
                continue
            rule = _RuleChecker(self, lines, index, table).build(first_line)
            if rule is not None:
                built.append(rule)
        return tuple(built)

    def rule_lines(self, index: int) -> RuleLines:
        if index < len(self.smap.rules):
            return self.smap.rules[index]
        # rules written as an inline array (rule = [{...}]) have no headers
        return RuleLines(header=self.smap.top.get(RULE_TABLE, 1))


class _RuleChecker:
    def __init__(
        self, parent: _Checker, lines: RuleLines, index: int, raw: dict[str, Any]
    ) -> None:
        self.parent, self.raw, self.lines = parent, raw, lines
        rule_id = raw.get("id")
        valid = isinstance(rule_id, str) and _RULE_ID.fullmatch(rule_id)
        self.id = cast("str", rule_id) if valid else None
        self.label = self.id or f"#{index + 1}"
        self.failed = False

    def problem(self, key: str, reason: str, line: int | None = None) -> None:
        at = line if line is not None else self.lines.line_of(key)
        problem = rule_problem(self.parent.source, at, self.label, key, reason)
        self.parent.problems.append(problem)
        self.failed = True

    def build(self, first_line: dict[str, int]) -> Rule | None:
        for key in self.raw:
            if key not in _RULE_KEYS:
                self.problem(key, _unknown_key(key, _RULE_KEYS))
        self.check_id(first_line)
        description = self.raw.get("description", "")
        if check_text(description, max_len=DESCRIPTION_MAX, required=False):
            self.problem("description", "must be a short text")
        triggers = self.triggers()
        condition = self.condition()
        actions = self.actions()
        if self.failed or condition is None or self.id is None:
            return None
        return Rule(
            self.id, str(description), triggers, condition, actions, self.lines.header
        )

    def check_id(self, first_line: dict[str, int]) -> None:
        if self.id is None:
            reason = "an id of letters, digits, '.', '_' or '-' (max 64) is required"
            self.problem("id", reason)
            return
        line = self.lines.line_of("id")
        if self.id in first_line:
            self.problem(
                "id", f"duplicate rule id (first at line {first_line[self.id]})"
            )
        else:
            first_line[self.id] = line

    def triggers(self) -> frozenset[Trigger]:
        raw = self.raw.get("on")
        if raw is None:
            return DEFAULT_TRIGGERS
        valid = isinstance(raw, list) and raw and all(t in TRIGGERS for t in raw)
        if not valid or len(set(raw)) != len(raw):
            self.problem(
                "on", f"a list of distinct triggers from: {', '.join(TRIGGERS)}"
            )
            return DEFAULT_TRIGGERS
        return frozenset(cast("list[Trigger]", raw))

    def condition(self) -> Condition | None:
        text = self.raw.get("when")
        if not isinstance(text, str):
            self.problem(
                "when", 'a condition string is required (use "true" for always)'
            )
            return None
        try:
            return compile_condition(text)
        except InvalidConditionError as exc:
            line = self.lines.line_in_value("when", text, exc.offset)
            self.problem("when", exc.reason, line)
            return None

    def actions(self) -> tuple[Action, ...]:
        found: list[Action] = []
        for kind in ACTION_KINDS:
            if kind not in self.raw:
                continue
            action, problems = parse_action(kind, self.raw[kind], self.parent.directory)
            for key, reason in problems:
                self.problem(key, reason)
            if action is not None:
                found.append(action)
        if not any(kind in self.raw for kind in ACTION_KINDS):
            reason = f"no action: give one of {', '.join(ACTION_KINDS)}"
            self.problem("actions", reason, self.lines.header)
        return tuple(found)


def _unknown_key(key: str, allowed: frozenset[str]) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}"
