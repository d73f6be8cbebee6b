"""The measures of the suite, in order, and the loop that runs them per backend.

A measure that fails does not end the run: its error is recorded and shown in
the report, so a long ``--full`` run still yields every other figure.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from benchmarks import (
    measure_appends,
    measure_history,
    measure_http,
    measure_import,
    measure_rebuild,
    measure_scale,
)
from benchmarks.results import Result, SkippedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from benchmarks.context import Context


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    letters: str  # the item(s)
    title: str
    run: Callable[[Context, str], list[Result]]


MEASURES: tuple[Measure, ...] = (
    Measure(
        "appends",
        "a",
        "one command per transaction (and bulk append) vs the raw driver",
        measure_appends.run,
    ),
    Measure("import", "b", "bulk import vs raw executemany / COPY", measure_import.run),
    Measure(
        "rebuild",
        "c",
        "full rebuild of each projection vs raw read",
        measure_rebuild.run,
    ),
    Measure("history", "d", "`ticketing history` latency", measure_history.run),
    Measure("http", "e", "HTTP commands/s and latency by workers", measure_http.run),
    Measure(
        "scale",
        "f,g",
        "scale curve (rebuild time, peak memory) and queries at the largest scale",
        measure_scale.run,
    ),
)
BY_NAME: dict[str, Measure] = {m.key: m for m in MEASURES} | {
    letter: m for m in MEASURES for letter in m.letters.split(",")
}
BY_NAME["queries"] = BY_NAME["scale"]


def select(names: list[str] | None) -> list[Measure]:
    """The measures named (key or issue letter), in suite order; all when none."""
    if not names:
        return list(MEASURES)
    wanted = set()
    for name in names:
        for part in name.split(","):
            if part.strip() not in BY_NAME:
                known = ", ".join(m.key for m in MEASURES)
                msg = f"unknown measure {part!r}; known: {known} (or a..g)"
                raise ValueError(msg)
            wanted.add(BY_NAME[part.strip()].key)
    return [m for m in MEASURES if m.key in wanted]


def in_order(ctx: Context, measure: Measure, backends: list[str]) -> list[str]:
    """The scale curve runs its smaller backend first: a run stopped during the
    long 1M-ticket SQLite step then still has the other backend's curve."""
    if measure.key != "scale":
        return backends
    return sorted(backends, key=lambda b: ctx.plan.scales(b)[-1])


@dataclass
class Outcome:
    """Everything one run produced, in the order it was measured."""

    results: list[Result] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            results=[Result.from_json(r) for r in data["results"]],
            skipped=data["skipped"],
            errors=data["errors"],
            durations=data["durations_s"],
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "results": [r.as_json() for r in self.results],
            "skipped": self.skipped,
            "errors": self.errors,
            "durations_s": self.durations,
        }


def run_all(
    ctx: Context,
    measures: list[Measure],
    backends: list[str],
    on_start: Callable[[str], None],
    on_done: Callable[[str, list[Result], float, Outcome], None],
) -> Outcome:
    outcome = Outcome()
    for measure in measures:
        for backend in in_order(ctx, measure, backends):
            label = f"{measure.key}/{backend}"
            on_start(label)
            started = time.perf_counter()
            try:
                results = measure.run(ctx, backend)
            except SkippedError as exc:
                outcome.skipped.append({"measure": label, "reason": str(exc)})
                results = []
            except Exception as exc:  # recorded; the run goes on
                outcome.errors.append(
                    {
                        "measure": label,
                        "error": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc(),
                    }
                )
                results = []
            seconds = time.perf_counter() - started
            outcome.durations[label] = round(seconds, 1)
            outcome.results += results
            on_done(label, results, seconds, outcome)
    return outcome
