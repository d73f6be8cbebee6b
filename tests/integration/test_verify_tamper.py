"""``ticketing verify`` against logs tampered with directly in SQL (SQLite and PG).

Sample history positions (tickets a, b, c): 1 a.open, 2 b.open, 3 a.route,
4 c.open, 5 a.assign, 6 b.comment, 7 a.hold, 8 c.route, 9 a.resume,
10 b.priority, 11 a.link, 12 a.resolve, 13 c.tag, 14 a.close, 15 b.escalate,
16 c.cancel, 17 b.comment.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from tests.support import tamper
from tests.support.service_history import (
    SAMPLE_EVENTS,
    runtime_for,
    write_sample_history,
)
from ticketing.cli import app

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.fixture
def log_url(db_url: str) -> str:
    with runtime_for(db_url) as runtime:
        write_sample_history(runtime)
    return db_url


def verify(url: str, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["--db", url, "verify", "--json", *extra])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, report


def finding(report: dict[str, Any], check: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [f for f in report["findings"] if f["check"] == check]
    assert len(found) == 1, report["findings"]
    return found[0]


def seal(url: str, path: Path) -> Path:
    result = CliRunner().invoke(app, ["--db", url, "seal", "--json"])
    assert result.exit_code == 0, result.output
    path.write_text(result.stdout)
    return path


def test_an_intact_log_passes(log_url: str) -> None:
    code, report = verify(log_url)

    assert code == 0
    assert report["ok"] is True
    assert report["events"] == SAMPLE_EVENTS
    assert report["head"]["position"] == SAMPLE_EVENTS
    assert report["findings"] == []


def test_an_empty_log_passes(db_url: str) -> None:
    code, report = verify(db_url)

    assert (code, report["events"], report["head"]["position"]) == (0, 0, 0)


def test_an_edited_payload_byte_is_named_with_its_position(log_url: str) -> None:
    tamper.edit_state_byte(log_url, 5)

    code, report = verify(log_url)

    assert code == 1
    chain = finding(report, "chain")
    assert (chain["kind"], chain["position"]) == ("edited", 5)
    assert chain["expected"] != chain["found"]
    assert chain["details"]["rows_failing"] == 1
    assert not [f for f in report["findings"] if f["check"] == "versions"]


def test_an_edited_head_event_is_detected(log_url: str) -> None:
    tamper.edit_state_byte(log_url, SAMPLE_EVENTS)

    code, report = verify(log_url)

    chain = finding(report, "chain")
    assert (code, chain["kind"], chain["position"]) == (1, "edited", SAMPLE_EVENTS)


def test_a_deleted_event_is_named_with_the_gap(log_url: str) -> None:
    tamper.delete_event(log_url, 5)

    code, report = verify(log_url)

    assert code == 1
    chain = finding(report, "chain")
    assert (chain["kind"], chain["position"]) == ("deleted", 6)
    assert (chain["details"]["missing_from"], chain["details"]["missing_to"]) == (5, 5)
    versions = finding(report, "versions")  # a.assign (v3) is gone: a jumps 2 -> 4
    assert (versions["kind"], versions["position"]) == ("version_gap", 7)
    assert (versions["expected"], versions["found"]) == (3, 4)


def test_a_deleted_first_event_is_detected(log_url: str) -> None:
    tamper.delete_event(log_url, 1)

    _, report = verify(log_url)

    chain = finding(report, "chain")
    assert (chain["kind"], chain["position"]) == ("deleted", 2)
    assert chain["expected"] == "0" * 64
    assert finding(report, "versions")["position"] == 3  # a starts at version 2


def test_a_forged_event_slipped_in_is_named_as_inserted(log_url: str) -> None:
    position = tamper.insert_copy(log_url, after=5, source=2, chained=False)

    code, report = verify(log_url)

    assert code == 1
    chain = finding(report, "chain")
    assert (chain["kind"], chain["position"]) == ("inserted", position)
    assert finding(report, "versions")["position"] == position


def test_a_correctly_chained_forgery_is_still_named_as_inserted(log_url: str) -> None:
    # the forger hashed its row right; the next genuine event betrays it
    position = tamper.insert_copy(log_url, after=5, source=2, chained=True)

    code, report = verify(log_url)

    assert code == 1
    chain = finding(report, "chain")
    assert (chain["kind"], chain["position"]) == ("inserted", position)
    assert chain["details"]["detected_at"] == position + 1


def test_a_copied_event_appended_at_the_tail_is_a_duplicate(log_url: str) -> None:
    position = tamper.append_copy(log_url, source=3)

    _, report = verify(log_url)

    chain = finding(report, "chain")
    assert (chain["kind"], chain["position"]) == ("inserted", SAMPLE_EVENTS + 1)
    assert position == SAMPLE_EVENTS + 1
    assert chain["details"]["duplicate_of"] == 3


def test_swapped_contents_are_named_as_a_reordered_pair(log_url: str) -> None:
    tamper.swap_contents(log_url, 5, 9)

    code, report = verify(log_url)

    assert code == 1
    chain = finding(report, "chain")
    assert (chain["kind"], chain["position"]) == ("reordered", 5)
    assert chain["details"]["swapped_with"] == 9
    versions = finding(report, "versions")  # a: v1 v2 v5 ... in position order
    assert (versions["position"], versions["expected"], versions["found"]) == (5, 3, 5)


def test_two_adjacent_rows_swapped_whole_are_reordered(log_url: str) -> None:
    tamper.swap_rows(log_url, 5, 6)

    code, report = verify(log_url)

    chain = finding(report, "chain")
    assert (code, chain["kind"], chain["position"]) == (1, "reordered", 5)
    assert chain["details"]["swapped_with"] == 6


def test_a_row_moved_far_is_reordered_and_says_where_it_belongs(log_url: str) -> None:
    tamper.swap_rows(log_url, 5, 9)

    _, report = verify(log_url)

    chain = finding(report, "chain")
    assert (chain["kind"], chain["position"]) == ("reordered", 5)
    assert chain["details"]["belongs_after"] == 8


def test_a_truncated_tail_passes_the_chain_but_fails_the_seal(
    log_url: str, tmp_path: Path
) -> None:
    seal_file = seal(log_url, tmp_path / "seal.json")
    tamper.truncate_after(log_url, 12)

    unsealed_code, _ = verify(log_url)
    code, report = verify(log_url, "--seal", str(seal_file))

    assert unsealed_code == 0  # a shorter chain is still a valid chain
    assert code == 1
    found = finding(report, "seal")
    assert (found["kind"], found["position"]) == ("truncated", SAMPLE_EVENTS)
    assert found["details"]["head_position"] == 12
    assert [f["check"] for f in report["findings"]] == ["seal"]


def test_a_history_rewritten_with_recomputed_hashes_fails_the_seal(
    log_url: str, tmp_path: Path
) -> None:
    seal_file = seal(log_url, tmp_path / "seal.json")
    tamper.rewrite_from(log_url, 5)

    unsealed_code, _ = verify(log_url)
    code, report = verify(log_url, "--seal", str(seal_file))

    assert unsealed_code == 0  # the intruder recomputed the whole chain
    found = finding(report, "seal")
    assert (code, found["kind"], found["position"]) == (1, "rewritten", SAMPLE_EVENTS)
    assert found["expected"] != found["found"]


def test_a_log_that_grew_after_the_seal_still_extends_it(
    log_url: str, tmp_path: Path
) -> None:
    seal_file = seal(log_url, tmp_path / "seal.json")
    with runtime_for(log_url) as runtime:
        write_sample_history(runtime)

    code, report = verify(log_url, "--seal", str(seal_file))

    assert (code, report["events"]) == (0, 2 * SAMPLE_EVENTS)
    assert report["seal"]["position"] == SAMPLE_EVENTS


def test_seal_refuses_a_log_that_fails_verification(log_url: str) -> None:
    tamper.edit_state_byte(log_url, 3)

    result = CliRunner().invoke(app, ["--db", log_url, "seal"])

    assert result.exit_code == 1
    assert "refusing to seal" in result.stderr
    assert "edited at position 3" in result.stdout


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "not JSON"),
        ('{"format": "other"}', "format is 'other'"),
        (
            '{"format": "ticketing-seal", "version": 1, "application": "ticketing",'
            ' "position": 3, "events": 3, "hash": "XYZ", "sealed_at": "t"}',
            "hash must be 64 lowercase hex digits",
        ),
        (
            '{"format": "ticketing-seal", "version": 2}',
            "unsupported seal version 2",
        ),
    ],
)
def test_an_unreadable_seal_is_bad_input(
    log_url: str, tmp_path: Path, content: str, reason: str
) -> None:
    seal_file = tmp_path / "seal.json"
    seal_file.write_text(content)

    result = CliRunner().invoke(
        app, ["--db", log_url, "verify", "--seal", str(seal_file)]
    )

    assert result.exit_code == 2
    assert reason in result.stderr
