"""Build small ServiceNow CSV logs for tests (same 36 columns as the real export)."""

from __future__ import annotations

import csv
import io
from typing import Final

HEADER: Final = [
    "number",
    "incident_state",
    "active",
    "reassignment_count",
    "reopen_count",
    "sys_mod_count",
    "made_sla",
    "caller_id",
    "opened_by",
    "opened_at",
    "sys_created_by",
    "sys_created_at",
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
    "knowledge",
    "u_priority_confirmation",
    "notify",
    "problem_id",
    "rfc",
    "vendor",
    "caused_by",
    "closed_code",
    "resolved_by",
    "resolved_at",
    "closed_at",
]

DEFAULTS: Final = {
    "number": "INC0000001",
    "incident_state": "New",
    "active": "TRUE",
    "reassignment_count": "0",
    "reopen_count": "0",
    "sys_mod_count": "0",
    "made_sla": "TRUE",
    "caller_id": "Caller 1",
    "opened_by": "Opened by  1",
    "opened_at": "01-03-2016 09:00",
    "sys_created_by": "Created by 1",
    "sys_created_at": "01-03-2016 09:00",
    "sys_updated_by": "Updated by 1",
    "sys_updated_at": "01-03-2016 09:00",
    "contact_type": "Phone",
    "location": "Location 1",
    "category": "Category 1",
    "subcategory": "Subcategory 1",
    "u_symptom": "?",
    "cmdb_ci": "?",
    "impact": "2 - Medium",
    "urgency": "2 - Medium",
    "priority": "3 - Moderate",
    "assignment_group": "Group 1",
    "assigned_to": "?",
    "knowledge": "TRUE",
    "u_priority_confirmation": "FALSE",
    "notify": "Do Not Notify",
    "problem_id": "?",
    "rfc": "?",
    "vendor": "?",
    "caused_by": "?",
    "closed_code": "code 1",
    "resolved_by": "Resolved by 1",
    "resolved_at": "?",
    "closed_at": "?",
}


def row(time: str, state: str, **values: str) -> dict[str, str]:
    """One update at ``time`` (``DD-MM-YYYY HH:MM``) in ``state``."""
    return {**DEFAULTS, "sys_updated_at": time, "incident_state": state, **values}


def csv_lines(*rows: dict[str, str] | list[str]) -> list[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for item in rows:
        writer.writerow([item[c] for c in HEADER] if isinstance(item, dict) else item)
    return out.getvalue().splitlines(keepends=True)
