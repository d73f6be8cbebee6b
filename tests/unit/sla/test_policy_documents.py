"""SLA activation documents: the policy plus exactly the calendars it counts in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ticketing.errors import PolicyError
from ticketing.policies.calendar_file import DATA_DIR as CALENDARS
from ticketing.policies.sla_file import DATA_DIR as POLICIES
from ticketing.sla.validate import (
    load_candidate,
    load_policy_file,
    load_published,
    parse_sla_documents,
    validate_sla_documents,
)

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT = (POLICIES / "default-v1.toml").read_text(encoding="utf-8")
CAL_24X7 = (CALENDARS / "24x7-v1.toml").read_text(encoding="utf-8")
CAL_NL = (CALENDARS / "nl-office-v1.toml").read_text(encoding="utf-8")
DOCS = {
    "policy.toml": DEFAULT,
    "calendars/24x7-v1.toml": CAL_24X7,
    "calendars/nl-office-v1.toml": CAL_NL,
}
RENAMED = DEFAULT.replace('version = "default-v1"', 'version = "custom-v1"')


def test_the_published_default_with_its_calendars_is_valid() -> None:
    bundle = parse_sla_documents(DOCS)

    assert validate_sla_documents(dict(DOCS)) == "default-v1"
    assert sorted(bundle.calendars) == ["24x7-v1", "nl-office-v1"]
    assert load_published("default-v1").sha256 == bundle.sha256


def refusal(documents: dict[str, str]) -> PolicyError:
    with pytest.raises(PolicyError) as err:
        parse_sla_documents(documents)
    return err.value


@pytest.mark.parametrize(
    ("change", "file", "field", "reason"),
    [
        ({"notes.txt": "x"}, "notes.txt", "documents", "unexpected document"),
        ({"policy.toml": None}, "(documents)", "documents", "is missing"),
        (
            {"calendars/nl-office-v1.toml": None},
            "policy.toml",
            "targets.P3.response.calendar",
            "unknown calendar",
        ),
        (
            {"calendars/us-office-v1.toml": CAL_NL},
            "calendars/us-office-v1.toml",
            "version",
            "expected 'us-office-v1'",
        ),
        (
            {"calendars/24x7-v1.toml": CAL_24X7 + "\n# edited\n"},
            "calendars/24x7-v1.toml",
            "version",
            "published version with other content",
        ),
        (
            {"policy.toml": DEFAULT.replace("75, 100", "80, 100")},
            "policy.toml",
            "version",
            "published version with other content",
        ),
        ({"policy.toml": "version = "}, "policy.toml", "(file)", "not valid TOML"),
    ],
)
def test_bad_documents_name_file_and_field(
    change: dict[str, str | None], file: str, field: str, reason: str
) -> None:
    documents = {**DOCS}
    for name, text in change.items():
        if text is None:
            documents.pop(name)
        else:
            documents[name] = text

    err = refusal(documents)

    assert (err.details["file"], err.details["field"]) == (file, field)
    assert reason in err.details["reason"]


def test_a_calendar_the_policy_does_not_use_is_refused() -> None:
    us = (CALENDARS / "us-office-v1.toml").read_text(encoding="utf-8")

    err = refusal({**DOCS, "calendars/us-office-v1.toml": us})

    assert err.details["field"] == "documents"
    assert err.details["unused"] == ["us-office-v1"]


def test_a_policy_file_takes_calendars_from_beside_it(tmp_path: Path) -> None:
    (tmp_path / "calendars").mkdir()
    custom_nl = CAL_NL.replace('version = "nl-office-v1"', 'version = "nl-v2"')
    (tmp_path / "calendars" / "nl-v2.toml").write_text(custom_nl)
    path = tmp_path / "custom-v1.toml"
    path.write_text(RENAMED.replace('"nl-office-v1"', '"nl-v2"'))

    bundle = load_policy_file(path)

    assert sorted(bundle.documents) == [
        "calendars/24x7-v1.toml",
        "calendars/nl-v2.toml",
        "policy.toml",
    ]
    assert bundle.documents["calendars/nl-v2.toml"] == custom_nl


def test_an_explicit_calendar_file_wins_and_errors_name_the_real_path(
    tmp_path: Path,
) -> None:
    broken = CAL_NL.replace('time_zone = "Europe/Amsterdam"', 'time_zone = "Mars/Base"')
    calendar = tmp_path / "elsewhere.toml"
    calendar.write_text(broken)
    path = tmp_path / "custom-v1.toml"
    path.write_text(RENAMED)

    with pytest.raises(PolicyError) as err:
        load_policy_file(path, [calendar])

    assert err.value.details["file"] == str(calendar)
    assert err.value.details["field"] == "time_zone"


def test_candidates_are_files_or_published_versions(tmp_path: Path) -> None:
    path = tmp_path / "custom-v1.toml"
    path.write_text(RENAMED)

    assert load_candidate(str(path)).version == "custom-v1"
    assert load_candidate("default-v1").version == "default-v1"
    with pytest.raises(PolicyError, match="no such file"):
        load_candidate(str(tmp_path / "missing.toml"))
    with pytest.raises(PolicyError, match="no SLA policy"):
        load_candidate("nope-v1")
