"""Line numbers for a rule file: ``tomllib`` decodes TOML but forgets positions.

``map_source`` scans the TOML text once, tracking strings (basic, literal and
multi-line), comments and bracket nesting so that only real table headers and
key/value lines count. It never raises: on text ``tomllib`` rejected it still
finds the ``[[rule]]`` headers, which is what syntax-error reports need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

_PART: Final = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY: Final = re.compile(rf"\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")
_HEADER: Final = re.compile(rf"\s*(\[\[?)\s*({_PART}(?:\s*\.\s*{_PART})*)\s*\]\]?")
_PARTS: Final = re.compile(_PART)
_ID: Final = re.compile(r"""\s*id\s*=\s*(?:"([^"\\]*)"|'([^']*)')""")
RULE_TABLE: Final = "rule"


@dataclass(frozen=True, slots=True)
class KeyLines:
    """Where one key sits: its line, and the lines its value spans.

    ``content_line`` is where a string value's text starts (the line after
    ``\"\"\"`` when a newline follows the delimiter).
    """

    line: int
    content_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class RuleLines:
    """The ``[[rule]]`` header line and the dotted keys below it."""

    header: int
    keys: dict[str, KeyLines] = field(default_factory=dict)

    def line_of(self, key: str | None = None) -> int:
        """The line of ``key`` (or of its nearest parent key); else the header."""
        while key:
            if key in self.keys:
                return self.keys[key].line
            key = key.rpartition(".")[0]
        return self.header

    def line_in_value(self, key: str, value: str, offset: int | None) -> int:
        """The line of character ``offset`` of the string value of ``key``.

        Exact when the decoded value keeps the source's line breaks (plain and
        multi-line strings without line-ending backslashes); else the key's line.
        """
        where = self.keys.get(key)
        if where is None or offset is None:
            return self.line_of(key)
        if where.content_line + value.count("\n") != where.end_line:
            return where.line
        return where.content_line + value.count("\n", 0, offset)


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Lines of the top-level keys and of every ``[[rule]]`` table, in file order."""

    top: dict[str, int]
    rules: tuple[RuleLines, ...]
    #: The first line with a one-line string that is never closed, if any.
    unclosed_string_line: int | None = None

    def rule_line(self, index: int, key: str | None = None) -> int:
        return self.rules[index].line_of(key) if index < len(self.rules) else 1

    def rule_containing(self, line: int) -> int | None:
        """Index of the rule whose table contains ``line``, if any."""
        found = None
        for index, rule in enumerate(self.rules):
            if rule.header <= line:
                found = index
        return found


def rule_id_near(text: str, header_line: int) -> str | None:
    """The ``id = "..."`` of the rule starting at ``header_line``, read leniently."""
    for line in text.splitlines()[header_line:]:
        if line.lstrip().startswith("["):
            return None
        match = _ID.match(line)
        if match:
            return match.group(1) if match.group(1) is not None else match.group(2)
    return None


def map_source(text: str) -> SourceMap:
    """Scan TOML ``text`` for table headers and key lines (1-based)."""
    scanner = _Scanner()
    for number, line in enumerate(text.splitlines(), start=1):
        scanner.feed(number, line)
    return SourceMap(scanner.top, tuple(scanner.rules), scanner.unclosed_line)


class _Scanner:
    def __init__(self) -> None:
        self.top: dict[str, int] = {}
        self.rules: list[RuleLines] = []
        self.in_rule = False
        self.prefix = ""
        self.open_string: str | None = None  # '\"\"\"' or "'''" while inside one
        self.depth = 0  # [ and { nesting inside a value
        self.pending: tuple[dict[str, KeyLines], str, int, int | None] | None = None
        self.unclosed_line: int | None = None

    def feed(self, number: int, line: str) -> None:
        if self.open_string or self.depth:
            self._value(number, line, 0)
            return
        header = _HEADER.match(line)
        if header:
            self._header(number, header.group(1), _dotted(header.group(2)))
            return
        key = _KEY.match(line)
        if key:
            self._key(number, _dotted(key.group(1)))
            self._value(number, line, key.end())

    def _header(self, number: int, bracket: str, name: str) -> None:
        if bracket == "[[" and name == RULE_TABLE:
            self.rules.append(RuleLines(header=number))
            self.in_rule, self.prefix = True, ""
        elif name.startswith(RULE_TABLE + ".") and self.rules:
            self.in_rule, self.prefix = True, name[len(RULE_TABLE) + 1 :] + "."
            self.rules[-1].keys.setdefault(
                self.prefix[:-1], KeyLines(number, number, number)
            )
        else:
            self.in_rule, self.prefix = False, name + "."
            self.top.setdefault(name, number)

    def _key(self, number: int, name: str) -> None:
        full = self.prefix + name
        if not self.in_rule:
            self.top.setdefault(full, number)
            self.pending = None
            return
        self.pending = (self.rules[-1].keys, full, number, None)

    def _value(self, number: int, line: str, start: int) -> None:
        at = start
        while at < len(line):
            if self.open_string:
                close = _closing(line, at, self.open_string)
                if close < 0:
                    return
                self.open_string, at = None, close
                continue
            ch = line[at]
            if ch == "#":
                break
            if ch in "\"'":
                at = self._string(number, line, at)
                continue
            if ch in "[{":
                self.depth += 1
            elif ch in "]}":
                self.depth = max(self.depth - 1, 0)
            at += 1
        if not self.open_string and not self.depth:
            self._finish(number)

    def _string(self, number: int, line: str, at: int) -> int:
        quote = line[at]
        triple = quote * 3
        if line.startswith(triple, at):
            body = at + 3
            content = number if body < len(line) else number + 1
            self._mark_content(content)
            close = _closing(line, body, triple)
            if close < 0:
                self.open_string = triple
                return len(line)
            return close
        self._mark_content(number)
        close = _closing(line, at + 1, quote)
        if close < 0 and self.unclosed_line is None:
            self.unclosed_line = number
        return close if close >= 0 else len(line)

    def _mark_content(self, content_line: int) -> None:
        if self.pending and self.pending[3] is None and not self.depth:
            keys, name, line, _ = self.pending
            self.pending = (keys, name, line, content_line)

    def _finish(self, number: int) -> None:
        if self.pending:
            keys, name, line, content = self.pending
            keys.setdefault(name, KeyLines(line, content or line, number))
            self.pending = None


def _closing(line: str, at: int, delimiter: str) -> int:
    """Index just past ``delimiter`` closing a string from ``at``; -1 if not here."""
    escapes = delimiter[0] == '"'
    while at < len(line):
        if escapes and line[at] == "\\":
            at += 2
            continue
        if line.startswith(delimiter, at):
            end = at + len(delimiter)
            if len(delimiter) == 3:  # up to two extra quotes belong to the content
                while end < len(line) and end - at < 5 and line[end] == delimiter[0]:
                    end += 1
            return end
        at += 1
    return -1


def _dotted(key: str) -> str:
    return ".".join(p.strip("\"'") for p in _PARTS.findall(key))
