"""Clock bars: evidence -> positioned segments and markers (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketing.console.clockbars import clock_chart
from ticketing.console.web import duration_text, json_data, value_text

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _clock(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "metric": "resolution",
        "cycle": 1,
        "state": "running",
        "priority": "P2",
        "started_at": _z(T0),
        "target_seconds": 8 * 3600,
        "elapsed_seconds": 3600,
        "arithmetic": [],
        "pauses": [],
    }
    base.update(extra)
    return base


def test_running_then_paused_clock_draws_both_and_its_due_point() -> None:
    # given a clock that ran one hour, then paused for one hour, due at +10h
    clock = _clock(
        state="paused",
        arithmetic=[
            {"start": _z(T0), "end": _z(T0 + timedelta(hours=1)), "ongoing": False}
        ],
        pauses=[
            {
                "start": _z(T0 + timedelta(hours=1)),
                "end": None,
                "reason": "awaiting_caller",
            }
        ],
        due_at=_z(T0 + timedelta(hours=10)),
    )

    # when drawn as of +2h
    chart = clock_chart({"clocks": [clock]}, T0 + timedelta(hours=2))

    # then the axis reaches the due point, which sits at the right end
    bar = chart.bars[0]
    assert chart.end == T0 + timedelta(hours=10)
    running, paused = bar.segments
    assert (running.kind, running.left, running.width) == ("running", 0.0, 10.0)
    assert (paused.kind, paused.left, paused.width) == ("paused", 10.0, 10.0)
    assert [(m.kind, m.left) for m in bar.markers] == [("due", 100.0)]
    assert "awaiting_caller" in paused.title


def test_breached_and_stopped_clock_marks_both_points() -> None:
    clock = _clock(
        state="breached",
        arithmetic=[
            {"start": _z(T0), "end": _z(T0 + timedelta(hours=4)), "ongoing": False}
        ],
        due_at=_z(T0 + timedelta(hours=2)),
        breached_at=_z(T0 + timedelta(hours=2)),
        stopped_at=_z(T0 + timedelta(hours=4)),
    )

    chart = clock_chart({"clocks": [clock]}, T0 + timedelta(hours=4))

    marks = {m.kind: m.left for m in chart.bars[0].markers}
    assert marks == {"due": 50.0, "breach": 50.0, "stop": 100.0}


def test_no_clocks_gives_an_empty_chart() -> None:
    chart = clock_chart({"clocks": []}, T0)

    assert chart.bars == []
    assert chart.start == chart.end == T0


@given(
    runs=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), max_size=6
    ),
    due=st.integers(-5_000, 20_000),
    as_of=st.integers(0, 20_000),
)
def test_every_segment_and_marker_stays_on_the_axis(
    runs: list[tuple[int, int]], due: int, as_of: int
) -> None:
    arithmetic = [
        {
            "start": _z(T0 + timedelta(seconds=a)),
            "end": _z(T0 + timedelta(seconds=a + b)),
            "ongoing": False,
        }
        for a, b in runs
    ]
    clock = _clock(arithmetic=arithmetic, due_at=_z(T0 + timedelta(seconds=due)))

    chart = clock_chart({"clocks": [clock]}, T0 + timedelta(seconds=as_of))

    for seg in chart.bars[0].segments:
        assert 0.0 <= seg.left <= 100.0
        assert seg.width > 0
        assert seg.left + seg.width <= 100.5
    for mark in chart.bars[0].markers:
        assert 0.0 <= mark.left <= 100.0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (45, "45s"),
        (125, "2m"),
        (7500, "2h 5m"),
        (3 * 86400 + 7200, "3d 2h"),
    ],
)
def test_duration_text(seconds: float | None, text: str) -> None:
    assert duration_text(seconds) == text


def test_value_text_shows_instants_in_utc_and_blanks_as_a_dash() -> None:
    assert value_text("2026-03-02T10:00:00+01:00") == "2026-03-02 09:00:00 UTC"
    assert value_text(None) == "—"
    assert value_text([]) == "—"
    assert value_text(["a"]) == '["a"]'
    assert value_text("plain") == "plain"


def test_json_data_cannot_close_its_script_element() -> None:
    text = str(json_data({"title": "</script><script>alert(1)</script>"}))

    assert "<" not in text
    assert ">" not in text
