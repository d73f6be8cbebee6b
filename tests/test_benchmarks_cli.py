"""The benchmark suite's command line: it runs, and writes the report it promises.

Smoke tests at ``--tiny`` sizes on SQLite: the structure of docs/benchmarks.md
and benchmarks.json is asserted, never a timing (figures at these sizes mean
nothing, and timed tests are flaky on a shared machine).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from benchmarks.__main__ import main
from benchmarks.report import BEGIN, END, splice
from benchmarks.results import Result, Target, percentile
from hypothesis import given
from hypothesis import strategies as st

if TYPE_CHECKING:
    from pathlib import Path

HAND_WRITTEN = (
    "# Benchmarks\n\n" + BEGIN + "\nold\n" + END + "\n\n## Analysis\nkeep me\n"
)


@pytest.mark.integration
def test_tiny_run_writes_tables_and_json_and_keeps_the_analysis(
    tmp_path: Path,
) -> None:
    # given a report with hand-written analysis around the generated block
    out = tmp_path / "docs"
    out.mkdir()
    (out / "benchmarks.md").write_text(HAND_WRITTEN)
    # when the suite runs two measures at tiny sizes on SQLite
    code = main(
        [
            *("--tiny", "--backend", "sqlite", "--only", "rebuild,d"),
            *("--output-dir", str(out), "--work-dir", str(tmp_path / "work")),
        ]
    )
    # then it succeeds, replaces only the generated block and keeps the rest
    assert code == 0
    markdown = (out / "benchmarks.md").read_text()
    assert markdown.startswith("# Benchmarks\n")
    assert markdown.endswith("## Analysis\nkeep me\n")
    assert "\nold\n" not in markdown
    block = markdown.split(BEGIN, 1)[1].split(END, 1)[0]
    for heading in (
        "### Targets vs measured",
        "### (c) full rebuild of each projection vs raw read",
        "### (d) `ticketing history` latency",
    ):
        assert heading in block
    assert "python -m benchmarks --tiny --backend sqlite --only rebuild,d" in block
    assert "rebuild queue_view" in block
    assert "history, ticket of 100 events, no snapshots" in block
    # and the JSON holds the same figures with their raw limits and verdicts
    data = json.loads((out / "benchmarks.json").read_text())
    assert data["mode"] == "tiny"
    assert data["machine"]["sqlite"]
    assert data["errors"] == []
    measures = {r["measure"] for r in data["results"]}
    assert measures == {"rebuild", "history"}
    rebuilds = [r for r in data["results"] if r["name"].startswith("rebuild ")]
    assert {r["name"] for r in rebuilds} == {
        "rebuild queue_view",
        "rebuild audit_trail",
        "rebuild sla",
    }
    for r in rebuilds:
        assert r["backend"] == "sqlite"
        assert r["value"] > 0
        assert r["raw"] > 0
        assert r["ratio"] == pytest.approx(r["value"] / r["raw"])
        assert r["met"] in (True, False)
        assert r["verdict"].startswith(("met", "missed"))
    # and re-rendering from the JSON alone gives the same report
    assert (
        main(["--render", str(out / "benchmarks.json"), "--output-dir", str(out)]) == 0
    )
    assert (out / "benchmarks.md").read_text() == markdown


def test_an_unknown_measure_is_refused_with_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # when a measure that does not exist is asked for
    with pytest.raises(SystemExit) as exited:
        main(["--only", "speed"])
    # then argparse refuses it and names the measures that exist
    assert exited.value.code == 2
    assert "unknown measure 'speed'" in capsys.readouterr().err


def test_a_ratio_target_says_by_how_much_it_is_missed() -> None:
    # given a figure at a fifth of the raw rate against a 0.8x target
    target = Target("ratio_at_least", 0.8, ">= 0.8x raw")
    result = Result("appends", "commands", "sqlite", 200, "commands/s", raw=1000)
    result.target = target
    # then it is missed by a factor of four
    assert result.verdict() == (False, "missed: 0.25x the target (4.0x short)")


def test_a_ceiling_target_is_met_at_the_bound() -> None:
    assert Target("at_most", 10, "p99 <= 10 ms").check(10, None)[0] is True
    assert Target("at_most", 10, "p99 <= 10 ms").check(10.1, None)[0] is False


@given(st.lists(st.floats(0, 1e6), min_size=1), st.floats(0.1, 100))
def test_percentile_is_one_of_the_samples_and_monotone(
    samples: list[float], q: float
) -> None:
    value = percentile(samples, q)
    assert value in samples
    assert value <= percentile(samples, 100) == max(samples)


text = st.text(alphabet=st.characters(blacklist_characters="<>"), max_size=40)


@given(text, text, text)
def test_splice_replaces_only_the_generated_block(
    head: str, old: str, tail: str
) -> None:
    # given a document with a generated block between hand-written parts
    document = f"{head}{BEGIN}{old}{END}{tail}"
    # when a new block is spliced in
    new = f"{BEGIN}\nnew\n{END}"
    # then the hand-written parts are byte-for-byte what they were
    assert splice(document, new) == f"{head}{new}{tail}"


@pytest.mark.integration
def test_update_keeps_the_other_measures_and_says_where_they_come_from(
    tmp_path: Path,
) -> None:
    # given a report of a run that measured history and rebuild
    out, work = tmp_path / "docs", str(tmp_path / "work")
    common = ("--tiny", "--backend", "sqlite", "--output-dir", str(out))
    assert main([*common, "--only", "history,rebuild", "--work-dir", work]) == 0
    first = json.loads((out / "benchmarks.json").read_text())
    # when only history is measured again with --update
    assert main([*common, "--only", "history", "--update", "--work-dir", work]) == 0
    # then the rebuild figures are kept as they were, marked with their run
    data = json.loads((out / "benchmarks.json").read_text())
    old_rebuilds = [r for r in first["results"] if r["measure"] == "rebuild"]
    kept = [r for r in data["results"] if r["measure"] == "rebuild"]
    assert [r["value"] for r in kept] == [r["value"] for r in old_rebuilds]
    assert {r["extra"]["run_date"] for r in kept} == {first["machine"]["date"]}
    fresh = [r for r in data["results"] if r["measure"] == "history"]
    assert fresh
    assert all("run_date" not in r["extra"] for r in fresh)
    assert data["earlier_runs"] == [
        {
            "command": first["command"],
            "date": first["machine"]["date"],
            "measures": ["rebuild/sqlite"],
        }
    ]
    # and the report names the earlier run in its header and on its rows
    markdown = (out / "benchmarks.md").read_text()
    assert f"**Kept from an earlier run** (`{first['command']}`" in markdown
    assert f"from the earlier run of {first['machine']['date']}" in markdown
