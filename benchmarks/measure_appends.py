"""(a) one command per transaction and bulk append, next to the raw driver.

Reuses ``bench_commands.measure``: rounds alternate ours and raw on the same
rows, and the ratio is the median of the per-round ratios.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from benchmarks import bench_commands
from benchmarks.results import Result, Target

if TYPE_CHECKING:
    from benchmarks.context import Context

APPEND_TARGET = Target("ratio_at_least", 0.8, ">= 0.8x raw tx/s")
BULK_TARGET = Target("ratio_at_least", 0.3, ">= 0.3x raw bulk")


def run(ctx: Context, backend: str) -> list[Result]:
    plan = ctx.plan
    ctx.say(
        f"{plan.rounds} rounds of {plan.command_tickets * 5} commands "
        f"and {plan.bulk_tickets * 5} bulk events"
    )
    series = bench_commands.measure(
        backend,
        tickets=plan.command_tickets,
        bulk_tickets=plan.bulk_tickets,
        batch=min(500, plan.bulk_tickets),
        repeat=plan.rounds,
        pg_url=ctx.pg_url,
    )
    med = statistics.median
    commands, bulk = series["commands"], series["bulk"]
    return [
        Result(
            "appends",
            "1 command per transaction (open/route/assign/comment/resolve)",
            backend,
            med(commands.ours),
            "commands/s",
            raw=med(commands.raw),
            raw_what="select the ticket's rows + insert 1 row + commit",
            target=APPEND_TARGET,
            extra={
                "ratios": commands.ratios(),
                "cpu_us_per_command": med(commands.cpu_us),
            },
        ),
        Result(
            "import",
            "bulk append, app.save of 500 tickets per transaction",
            backend,
            med(bulk.ours),
            "events/s",
            raw=med(bulk.raw),
            raw_what="executemany (SQLite) / COPY (PostgreSQL), same rows",
            target=BULK_TARGET,
            extra={
                "ratios": bulk.ratios(),
                "cpu_us_per_event": med(bulk.cpu_us),
            },
        ),
    ]
