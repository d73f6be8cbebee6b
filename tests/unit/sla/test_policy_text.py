"""A candidate SLA policy sent as text (API bodies), and versions looked up by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ticketing.errors import PolicyError
from ticketing.policies.calendar_file import DATA_DIR as CALENDAR_DIR
from ticketing.policies.sla_file import DATA_DIR
from ticketing.sla.policies import resolve_version
from ticketing.sla.validate import parse_policy_text

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT = (DATA_DIR / "default-v1.toml").read_text("utf-8")


def renamed(version: str) -> str:
    return DEFAULT.replace('version = "default-v1"', f'version = "{version}"')


def test_published_calendars_fill_in_the_ones_not_sent() -> None:
    bundle = parse_policy_text(renamed("text-v1"))

    assert bundle.version == "text-v1"
    assert sorted(bundle.documents) == [
        "calendars/24x7-v1.toml",
        "calendars/nl-office-v1.toml",
        "policy.toml",
    ]


def test_a_calendar_sent_with_the_policy_is_used_and_checked() -> None:
    office = (CALENDAR_DIR / "nl-office-v1.toml").read_text("utf-8")
    custom = office.replace('version = "nl-office-v1"', 'version = "my-office-v1"')
    policy = renamed("text-v2").replace('"nl-office-v1"', '"my-office-v1"')

    bundle = parse_policy_text(policy, {"my-office-v1": custom})

    assert "my-office-v1" in bundle.calendars
    with pytest.raises(PolicyError) as caught:
        parse_policy_text(policy, {"my-office-v1": office})
    assert caught.value.details["file"] == "calendars.my-office-v1"


def test_errors_name_the_field_of_the_body() -> None:
    broken = renamed("text-v3").replace('within = "4h"', 'within = "soon"', 1)

    with pytest.raises(PolicyError) as caught:
        parse_policy_text(broken)

    assert caught.value.details["file"] == "policy"
    assert "P1" in caught.value.details["field"]


def test_deeply_nested_toml_is_a_policy_error_not_a_crash() -> None:
    with pytest.raises(PolicyError, match="nested too deeply"):
        parse_policy_text("version = " + "[" * 5000 + "]" * 5000)


def test_a_version_name_never_reads_a_file(tmp_path: Path) -> None:
    file = tmp_path / "evil.toml"
    file.write_text(renamed("evil-v1"), "utf-8")

    class NoLog:
        class source:  # noqa: N801 - stands in for the host's attribute
            class recorder:  # noqa: N801
                @staticmethod
                def select_aggregate_records(_id: object) -> list[object]:
                    return []

            @staticmethod
            def decode(records: list[object]) -> list[object]:
                return records

    assert resolve_version(NoLog(), "default-v1").version == "default-v1"  # type: ignore[arg-type]
    with pytest.raises(PolicyError, match="no SLA policy"):
        resolve_version(NoLog(), str(file))  # type: ignore[arg-type]
