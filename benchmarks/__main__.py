"""The benchmark suite: every measure on SQLite and PostgreSQL, one report.

    python -m benchmarks --quick            # under 2 minutes, for anyone
    python -m benchmarks --full             # the published figures (~45 min)
    python -m benchmarks --quick --only rebuild --backend sqlite
    python -m benchmarks --full --only history --update   # re-measure one part

Writes the generated tables into docs/benchmarks.md (between the
``bench:begin``/``bench:end`` markers; the analysis around them is kept) and
docs/benchmarks.json. Each figure sits next to the raw driver's figure from
the same run, the ratio and the target.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TimeElapsedColumn

from benchmarks import report
from benchmarks.context import Context
from benchmarks.databases import BACKENDS
from benchmarks.machine import describe
from benchmarks.plan import PLANS, pg_url_from_env
from benchmarks.suite import MEASURES, Outcome, run_all, select

if TYPE_CHECKING:
    from collections.abc import Sequence

    from benchmarks.results import Result
    from benchmarks.suite import Measure

REPO = Path(__file__).resolve().parent.parent


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").split("\n\n")[0]
    )
    mode = parser.add_mutually_exclusive_group()
    for name, text in (
        ("quick", "small sizes, under 2 minutes (the default)"),
        ("full", "published sizes: scale curve to 1M tickets on SQLite"),
        ("tiny", "smoke-test sizes (seconds; figures meaningless)"),
    ):
        mode.add_argument(
            f"--{name}", dest="mode", action="store_const", const=name, help=text
        )
    parser.add_argument(
        "--only",
        action="append",
        metavar="MEASURE",
        help="run only these (repeatable, comma-separated): "
        + ", ".join(f"{m.key} ({m.letters})" for m in MEASURES),
    )
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql", "postgres", "both"),
        default="both",
    )
    parser.add_argument(
        "--scale",
        metavar="TICKETS,...",
        help="override the scale curve's ticket counts (both backends)",
    )
    parser.add_argument("--pg", default=pg_url_from_env(), help="PostgreSQL URL")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=REPO / "docs",
        help="where benchmarks.md and benchmarks.json go (default: docs/)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(os.environ.get("BENCH_TMP") or tempfile.gettempdir())
        / "ticketing-bench",
        help="scratch space for SQLite files and exports (removed per measure)",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only, write no files"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the figures of the measures not run now from the existing "
        "benchmarks.json (each marked with the run it came from)",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="measure nothing: rewrite the tables from a benchmarks.json",
    )
    args = parser.parse_args(argv)
    args.mode = args.mode or "quick"
    try:
        args.measures = select(args.only)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def backends_of(choice: str) -> list[str]:
    if choice == "both":
        return list(BACKENDS)
    return ["sqlite" if choice == "sqlite" else "postgres"]


def render_only(source: Path, output_dir: Path) -> int:
    """Re-render docs/benchmarks.md from a JSON file of an earlier run."""
    data = json.loads(source.read_text())
    outcome = Outcome.from_json(data)
    meta = {k: v for k, v in data.items() if k not in outcome.as_json()}
    block = report.render(meta, list(MEASURES), outcome)
    report.write(output_dir, meta, block, outcome.as_json())
    return 0


def kept_results(
    output_dir: Path, measures: list[Measure], backends: list[str]
) -> tuple[list[Result], list[dict[str, Any]]]:
    """Results of an earlier report that this run does not measure again.

    Each kept result's note names the run it comes from; the earlier runs are
    listed in the report's header, so no figure passes for one of this run.
    """
    source = output_dir / "benchmarks.json"
    if not source.exists():
        return [], []
    data = json.loads(source.read_text())
    rerun = {(key, b) for m in measures for key in report.keys_of(m) for b in backends}
    kept: list[Result] = []
    runs: dict[str, dict[str, Any]] = {}
    for run in data.get("earlier_runs", []):
        runs[run["date"]] = {**run, "measures": []}
    this_run = {"command": data["command"], "date": data["machine"]["date"]}
    for result in Outcome.from_json(data).results:
        if (result.measure, result.backend) in rerun:
            continue
        date = result.extra.get("run_date", this_run["date"])
        run = runs.setdefault(
            date, {"command": this_run["command"], "date": date, "measures": []}
        )
        label = f"{result.measure}/{result.backend}"
        if label not in run["measures"]:
            run["measures"].append(label)
        result.extra.setdefault("run_date", date)
        kept.append(result)
    return kept, [run for run in runs.values() if run["measures"]]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.render:
        return render_only(args.render, args.output_dir)
    plan = PLANS[args.mode]
    if args.scale:
        scales = tuple(int(n) for n in args.scale.split(","))
        plan = replace(plan, scale_sqlite=scales, scale_postgres=scales)
    backends = backends_of(args.backend)
    command = "python -m benchmarks " + shlex.join(
        list(argv) if argv is not None else sys.argv[1:]
    )
    console = Console(stderr=True)
    machine = describe(args.pg if "postgres" in backends else None)
    console.log(f"{command}: {plan.mode} plan, backends {', '.join(backends)}")
    started = time.perf_counter()
    kept, earlier = (
        kept_results(args.output_dir, args.measures, backends)
        if args.update
        else ([], [])
    )

    def publish(outcome: Outcome, *, finished: bool) -> None:
        """Write the report; also after each measure, so a long run keeps its
        figures even if it is stopped before the end."""
        meta: dict[str, Any] = {
            "command": command,
            "mode": plan.mode,
            "finished": finished,
            "plan": asdict(plan),
            "backends": backends,
            "machine": machine,
            "load_average_at_end": round(os.getloadavg()[0], 2),
            "elapsed_min": round((time.perf_counter() - started) / 60, 2),
            "earlier_runs": earlier,
        }
        outcome = replace(outcome, results=[*outcome.results, *kept])
        block = report.render(meta, list(MEASURES), outcome)
        if args.no_write:
            if finished:
                sys.stdout.write(block + "\n")
            return
        report.write(args.output_dir, meta, block, outcome.as_json())

    columns = (SpinnerColumn(), "{task.description}", BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("starting", total=len(args.measures) * len(backends))
        current = ["", ""]

        def say(text: str) -> None:
            current[1] = text
            progress.update(task, description=f"[bold]{current[0]}[/] {text}")
            if not console.is_terminal:
                console.log(f"{current[0]}: {text}")

        def done(
            label: str, results: list[Result], seconds: float, so_far: Outcome
        ) -> None:
            console.log(f"{label}: done in {seconds:.1f}s")
            publish(so_far, finished=False)
            for r in results:
                met, how = r.verdict()
                console.log(
                    f"{label}: {r.name} = {report.number(r.value, r.unit)}"
                    + (f" vs raw {report.number(r.raw)}" if r.raw else "")
                    + (f" -> {how}" if met is not None else "")
                )
            progress.advance(task)

        def start(label: str) -> None:
            current[0] = label
            say("starting")

        ctx = Context(plan=plan, work_dir=args.work_dir, pg_url=args.pg, say=say)
        outcome = run_all(ctx, args.measures, backends, start, done)
    publish(outcome, finished=True)
    if not args.no_write:
        console.log(f"wrote {args.output_dir / 'benchmarks.md'} and benchmarks.json")
    for error in outcome.errors:
        console.print(f"[red]{error['measure']} failed[/]\n{error['traceback']}")
    return 1 if outcome.errors else 0


if __name__ == "__main__":
    sys.exit(main())
