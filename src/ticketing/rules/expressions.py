"""Rule conditions: rule-engine expressions over ticket facts, type-checked at load.

``compile_condition`` parses a condition against the typed field table and
rejects, before anything runs, syntax errors, unknown fields and type mismatches
(including the ones rule-engine itself would tolerate: ``impact == "high"``,
``type in [1, 2]``, non-boolean ``and``/``or`` operands, wall-clock built-ins).
This is the only module that imports rule-engine.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import rule_engine
from rule_engine import DataType, errors
from rule_engine.ast import (
    ComparisonExpression,
    ContainsExpression,
    DatetimeExpression,
    ExpressionBase,
    FloatExpression,
    LogicExpression,
    SymbolExpression,
    TernaryExpression,
    TimedeltaExpression,
    UnaryExpression,
)
from rule_engine.ast.binary.comparison import (
    ArithmeticComparisonExpression,
    FuzzyComparisonExpression,
)

from ticketing.rules.fields import FIELDS, FieldKind

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime, timedelta

    from ticketing.rules.facts import TicketFacts

_TYPES: Final[dict[FieldKind, Any]] = {
    "string": DataType.STRING,
    "string?": DataType.NULLABLE(DataType.STRING),
    "number": DataType.FLOAT,
    "number?": DataType.NULLABLE(DataType.FLOAT),
    "boolean": DataType.BOOLEAN,
    "set of strings": DataType.SET(DataType.STRING),
    "duration": DataType.TIMEDELTA,
    "datetime": DataType.DATETIME,
}
_CONTEXT: Final = rule_engine.Context(
    type_resolver=rule_engine.type_resolver_from_dict(
        {f.name: _TYPES[f.kind] for f in FIELDS}
    ),
    resolver=rule_engine.resolve_item,
    default_timezone="utc",
    mapping_attribute_lookup=False,
)
#: Built-ins that would make evaluation impure, hence unrepeatable on replay.
_IMPURE_BUILTINS: Final = {
    "now": "reads the wall clock: use the field 'now'",
    "today": "reads the wall clock: use the field 'now'",
    "random": "is not repeatable: rules must decide the same way on replay",
}
_BOOLEAN: Final = DataType.BOOLEAN
#: rule-engine parses with one shared PLY parser, which is not re-entrant.
_PARSE_LOCK: Final = threading.Lock()
#: Deepest expression tree a condition may have. Parsing, checking and
#: evaluating recurse once per level; without a bound a condition such as
#: "not not not ... true" would exhaust the interpreter's stack.
MAX_CONDITION_DEPTH: Final = 64


class InvalidConditionError(ValueError):
    """A condition that cannot be used; ``offset`` is where in the text, if known."""

    def __init__(self, reason: str, offset: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


class ConditionEvaluationError(RuntimeError):
    """A compiled condition failed on concrete facts (the rule does not match)."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled, type-checked condition; evaluate it on ``fact_record`` output."""

    text: str
    compiled: Any = field(repr=False, compare=False)

    def matches(self, record: dict[str, object]) -> bool:
        try:
            return bool(self.compiled.matches(record))
        except errors.EngineError as exc:
            raise ConditionEvaluationError(exc.message) from None


def compile_condition(text: str) -> Condition:
    """Parse and type-check ``text``; raise ``InvalidConditionError`` if unusable."""
    if not text.strip():
        raise InvalidConditionError("the condition is empty", 0)
    too_deep = InvalidConditionError(
        f"nested too deeply (at most {MAX_CONDITION_DEPTH} levels)", 0
    )
    try:
        with _PARSE_LOCK:
            compiled = rule_engine.Rule(text, context=_CONTEXT)
    except errors.EngineError as exc:
        raise _explain(exc, text) from None
    except RecursionError:
        raise too_deep from None
    if _depth(compiled.statement.expression) > MAX_CONDITION_DEPTH:
        raise too_deep
    _check_strict(compiled.statement.expression, text, top=True)
    return Condition(text=text, compiled=compiled)


@dataclass(frozen=True, slots=True)
class Literals:
    """What a condition names: fields, duration and date-time literals, and the
    numbers each field is compared with (``sla_percent >= 80`` gives
    ``("sla_percent", 80.0)``). Time rules use them to know when a condition
    can change its mind.
    """

    fields: frozenset[str]
    durations: frozenset[timedelta]
    instants: frozenset[datetime]
    thresholds: frozenset[tuple[str, float]]


def condition_literals(condition: Condition) -> Literals:
    """The fields and literals of a compiled condition."""
    fields: set[str] = set()
    durations: set[timedelta] = set()
    instants: set[datetime] = set()
    thresholds: set[tuple[str, float]] = set()
    for node in _walk(condition.compiled.statement.expression):
        if isinstance(node, SymbolExpression) and node.scope != "built-in":
            fields.add(node.name)
        elif isinstance(node, TimedeltaExpression):
            durations.add(node.value)
        elif isinstance(node, DatetimeExpression):
            instants.add(node.value)
        elif isinstance(node, ComparisonExpression):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(other, FloatExpression):
                    thresholds |= {
                        (n.name, float(other.value))
                        for n in _walk(side)
                        if isinstance(n, SymbolExpression)
                    }
    return Literals(
        frozenset(fields),
        frozenset(durations),
        frozenset(instants),
        frozenset(thresholds),
    )


def _depth(root: ExpressionBase) -> int:
    """Levels of the expression tree, counted without recursing."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in _children(node))
    return deepest


def _walk(node: ExpressionBase) -> Iterator[ExpressionBase]:
    yield node
    for child in _children(node):
        yield from _walk(child)


def fact_record(facts: TicketFacts, now: datetime) -> dict[str, object]:
    """The facts at ``now`` as rule-engine values (numbers as Decimal, sets as set)."""
    record: dict[str, object] = {}
    for spec in FIELDS:
        if spec.name == "now":
            value: object = now.astimezone(UTC)
        elif spec.name == "age":
            value = facts.age(now)
        elif spec.name == "idle":
            value = facts.idle(now)
        else:
            value = getattr(facts, spec.name)
        record[spec.name] = _native(value)
    return record


def _native(value: object) -> object:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, frozenset):
        return set(value)
    return value


def _explain(exc: errors.EngineError, text: str) -> InvalidConditionError:
    if isinstance(exc, errors.RuleSyntaxError):
        return _syntax_problem(exc.token, text)
    if isinstance(exc, errors.SymbolResolutionError):
        hint = f" (did you mean {exc.suggestion!r}?)" if exc.suggestion else ""
        reason = f"unknown field {exc.symbol_name!r}{hint}"
        return InvalidConditionError(reason, _find_word(text, exc.symbol_name))
    if isinstance(exc, errors.AttributeResolutionError):
        reason = f"unknown attribute {exc.attribute_name!r}"
        return InvalidConditionError(reason, _find_word(text, exc.attribute_name))
    if isinstance(exc, errors.SyntaxError):
        # literal errors (regex, datetime, duration, string) carry the bad literal
        value = getattr(exc, "value", None)
        where = _find(text, value) if isinstance(value, str) else None
        detail = getattr(exc, "error", None)
        suffix = f": {detail}" if detail else ""
        return InvalidConditionError(f"{exc.message} {value!r}{suffix}", where)
    return InvalidConditionError(f"type mismatch: {exc.message}")


def _syntax_problem(token: Any, text: str) -> InvalidConditionError:
    if token is None:
        return InvalidConditionError("syntax error: unexpected end", len(text))
    if token.type == "error":
        reason = f"syntax error: illegal character {token.value[:1]!r}"
    else:
        reason = f"syntax error at {token.value!r}"
    return InvalidConditionError(reason, token.lexpos)


def _find(text: str, fragment: str) -> int | None:
    at = text.find(fragment)
    return at if at >= 0 else None


def _find_word(text: str, word: str) -> int | None:
    match = re.search(rf"(?<![\w$.]){re.escape(word)}(?!\w)", text)
    if match is None:
        match = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
    return match.start() if match else None


# -- strict checks rule-engine leaves to run time --------------------------------


def _check_strict(node: ExpressionBase, text: str, *, top: bool = False) -> None:
    found = _node_problem(node)
    if found:
        reason, culprit = found
        raise InvalidConditionError(reason, _locate(culprit, text))
    for child in _children(node):
        _check_strict(child, text)
    if top and not _is_boolean(node):
        got = _type_name(node.result_type)
        reason = f"type mismatch: the condition gives a {got}, not true/false"
        raise InvalidConditionError(reason)


_Problem = tuple[str, ExpressionBase] | None


def _node_problem(node: ExpressionBase) -> _Problem:
    if isinstance(node, SymbolExpression):
        impure = _IMPURE_BUILTINS.get(node.name) if node.scope == "built-in" else None
        return (f"${node.name} {impure}", node) if impure else None
    if isinstance(node, ContainsExpression):
        return _membership_problem(node)
    plain = (ArithmeticComparisonExpression, FuzzyComparisonExpression)
    if isinstance(node, ComparisonExpression) and not isinstance(node, plain):
        left, right = node.left.result_type, node.right.result_type
        if DataType.is_compatible(left, right):
            return None
        reason = f"cannot compare {_type_name(left)} with {_type_name(right)}"
        return f"type mismatch: {reason}", node
    return _logic_problem(node)


def _logic_problem(node: ExpressionBase) -> _Problem:
    needs_boolean: tuple[tuple[ExpressionBase, str], ...] = ()
    if isinstance(node, LogicExpression):
        what = f"both sides of '{node.type}'"
        needs_boolean = ((node.left, what), (node.right, what))
    elif isinstance(node, UnaryExpression) and node.type == "not":
        needs_boolean = ((node.right, "the operand of 'not'"),)
    elif isinstance(node, TernaryExpression):
        needs_boolean = ((node.condition, "the condition of '? :'"),)
    for operand, what in needs_boolean:
        if not _is_boolean(operand):
            return f"type mismatch: {what} must be true/false", operand
    return None


def _membership_problem(node: ContainsExpression) -> _Problem:
    container = node.container.result_type
    member = DataType.NULLABLE.unwrap(node.member.result_type)
    value_type = getattr(container, "value_type", DataType.UNDEFINED)
    if DataType.is_compatible(member, value_type):
        return None
    reason = (
        f"type mismatch: a {_type_name(member)} is never an element of "
        f"{_type_name(container)}"
    )
    return reason, node.member


def _is_boolean(node: ExpressionBase) -> bool:
    return DataType.is_compatible(node.result_type, _BOOLEAN) and not DataType.is_type(
        node.result_type, DataType.NULLABLE
    )


def _children(node: ExpressionBase) -> Iterator[ExpressionBase]:
    names: list[str] = []
    for cls in type(node).__mro__:
        slots = getattr(cls, "__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    names.extend(getattr(node, "__dict__", {}))
    for name in dict.fromkeys(names):
        if name == "context":
            continue
        value = getattr(node, name, None)
        if isinstance(value, ExpressionBase):
            yield value
        elif isinstance(value, tuple | list):
            yield from (v for v in value if isinstance(v, ExpressionBase))


def _locate(node: ExpressionBase, text: str) -> int | None:
    if isinstance(node, SymbolExpression):
        prefix = "$" if node.scope == "built-in" else ""
        return _find_word(text, prefix + node.name)
    for child in _children(node):
        at = _locate(child, text)
        if at is not None:
            return at
    return None


def _type_name(dt: object) -> str:
    if DataType.is_type(dt, DataType.NULLABLE):
        return f"{_type_name(getattr(dt, 'inner_type', None))} or null"
    names = {
        "STRING": "string",
        "FLOAT": "number",
        "BOOLEAN": "boolean",
        "TIMEDELTA": "duration",
        "DATETIME": "datetime",
        "NULL": "null",
    }
    name = str(getattr(dt, "name", "?"))
    if name in ("ARRAY", "SET"):
        inner = getattr(dt, "value_type", DataType.UNDEFINED)
        of = "" if inner == DataType.UNDEFINED else f" of {_type_name(inner)}s"
        return f"{name.lower()}{of}"
    return names.get(name, name.lower())
