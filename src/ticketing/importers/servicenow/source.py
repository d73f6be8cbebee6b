"""Read a ServiceNow incident event log (CSV) into rows, never failing on a row.

``?`` means missing and becomes None; values are trimmed; times are
``DD-MM-YYYY HH:MM`` in the source's local time, read in the zone given
(default UTC). A row that cannot be used (no number, wrong column count, no
readable update time) is kept aside with its line number and the reason.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticketing.errors import ConfigurationError, InvalidCommandError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MISSING: Final = "?"
#: What undecodable bytes become when the file is read with errors="replace".
REPLACEMENT: Final = "\ufffd"
TIME_FORMAT: Final = "%d-%m-%Y %H:%M"
REQUIRED_COLUMNS: Final = (
    "number",
    "incident_state",
    "reassignment_count",
    "reopen_count",
    "sys_mod_count",
    "caller_id",
    "opened_by",
    "opened_at",
    "sys_updated_by",
    "sys_updated_at",
    "contact_type",
    "location",
    "category",
    "subcategory",
    "u_symptom",
    "cmdb_ci",
    "impact",
    "urgency",
    "priority",
    "assignment_group",
    "assigned_to",
    "problem_id",
    "closed_code",
    "resolved_by",
    "resolved_at",
    "closed_at",
)


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One update of an incident: its CSV line, values (None when ``?``), time."""

    line: int
    values: Mapping[str, str | None]
    updated_at: datetime
    #: The zone the source's local times are read in.
    zone: tzinfo

    @property
    def number(self) -> str:
        value = self.values["number"]
        assert value is not None  # noqa: S101 - rows without a number are rejected
        return value

    def get(self, column: str) -> str | None:
        return self.values.get(column)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    number: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class SourceLog:
    rows: tuple[SourceRow, ...]
    rejected: tuple[RejectedRow, ...]
    zone: str


def load_zone(name: str) -> tzinfo:
    """The time zone the source's local times are read in."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Lisbon)",
            {"timezone": name},
        ) from None


def parse_source_time(value: str | None, zone: tzinfo) -> datetime | None:
    """A source time in UTC; None when missing or unreadable.

    Local times that do not exist (spring forward) or exist twice (fall back)
    are read with ``fold=0``: the offset in force before the change.
    """
    if value is None:
        return None
    try:
        naive = datetime.strptime(value, TIME_FORMAT)  # noqa: DTZ007 - zone set below
    except ValueError:
        return None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", MISSING) else value


def read_log(lines: Iterable[str], zone_name: str = "UTC") -> SourceLog:
    """Every usable row in source order, and every rejected row with its reason."""
    zone = load_zone(zone_name)
    reader = csv.reader(iter(lines))
    header = next(reader, None)
    if header is None:
        raise InvalidCommandError("the ServiceNow file is empty", {"line": 1})
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidCommandError(
            f"not a ServiceNow incident log: missing columns {', '.join(missing)}",
            {"line": 1, "missing": missing},
        )
    rows: list[SourceRow] = []
    rejected: list[RejectedRow] = []
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        values = {
            name: _clean(record[i]) if i < len(record) else None
            for i, name in enumerate(header)
        }
        number = values.get("number")
        if any(REPLACEMENT in cell for cell in record):
            rejected.append(RejectedRow(line, number, "bytes that are not UTF-8"))
            continue
        if len(record) != len(header):
            reason = f"{len(record)} columns instead of {len(header)}"
            rejected.append(RejectedRow(line, number, reason))
            continue
        if number is None:
            rejected.append(RejectedRow(line, None, "no incident number"))
            continue
        updated_at = parse_source_time(values.get("sys_updated_at"), zone)
        if updated_at is None:
            raw = values.get("sys_updated_at")
            reason = f"sys_updated_at {raw!r} is not DD-MM-YYYY HH:MM"
            rejected.append(RejectedRow(line, number, reason))
            continue
        rows.append(SourceRow(line, values, updated_at, zone))
    return SourceLog(tuple(rows), tuple(rejected), zone_name)
