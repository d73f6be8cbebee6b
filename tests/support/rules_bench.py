"""Rule evaluation benchmark: ``python tests/support/rules_bench.py [--compare-cel]``.

Loads the published ``default-v1`` rule set (16 rules) against the demo
directory and evaluates it on a mix of realistic tickets for every trigger.
With ``--compare-cel`` it also times the same 20 conditions in rule-engine and
in cel-python (``pip install cel-python`` first); docs/rules.md quotes both.
"""

from __future__ import annotations

import argparse
import importlib
import time
import tomllib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ticketing.rules import (
    TRIGGERS,
    evaluate,
    facts_from_mapping,
    load_rule_set,
    parse_directory,
)
from ticketing.rules.loader import DATA_DIR

if TYPE_CHECKING:
    from collections.abc import Callable

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TICKETS: list[dict[str, Any]] = [
    {
        "type": "incident",
        "title": "Outlook crashes when opening attachments",
        "description": "Since this morning Outlook crashes on every PDF attachment.",
        "service": "email",
        "impact": 2,
        "urgency": 2,
        "priority": "P3",
    },
    {
        "type": "incident",
        "title": "VPN drops every ten minutes",
        "description": "Working from home, the VPN client disconnects.",
        "category": "network",
        "impact": 3,
        "urgency": 2,
        "priority": "P4",
    },
    {
        "type": "service_request",
        "title": "Password reset for SAP",
        "description": "",
        "impact": 3,
        "urgency": 3,
        "priority": "P5",
    },
    {
        "type": "incident",
        "title": "Payroll database unreachable",
        "description": "Connections to pg-payroll-1 time out.",
        "configuration_item": "pg-payroll-1",
        "impact": 1,
        "urgency": 1,
        "priority": "P1",
        "requester_org": "finance",
    },
    {
        "type": "change",
        "title": "Patch firewall cluster",
        "description": "CVE fix",
        "impact": 2,
        "urgency": 3,
        "priority": "P4",
        "state": "in_progress",
        "queue": "change-management",
        "assignee": "cas",
    },
    {
        "type": "incident",
        "title": "Laptop screen flickers",
        "description": "Model X1, since the last update.",
        "category": "laptop",
        "impact": 3,
        "urgency": 3,
        "priority": "P5",
        "state": "on_hold",
        "hold_reason": "awaiting_vendor",
        "sla_percent": 85.0,
    },
]


def rate(label: str, count: int, run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    per_second = count / (time.perf_counter() - start)
    print(f"{label:<58} {per_second:>12,.0f} /s")
    return per_second


def bench_engine(rounds: int) -> None:
    path = DATA_DIR / "directories" / "demo.toml"
    directory = parse_directory(tomllib.loads(path.read_text("utf-8")), str(path))
    start = time.perf_counter()
    rules = load_rule_set("default-v1", directory)
    print(
        f"load + check default-v1 ({len(rules.rules)} rules): "
        f"{(time.perf_counter() - start) * 1000:.1f} ms"
    )
    facts = [
        facts_from_mapping(
            {"requester_id": "u-1", "opened_at": NOW - timedelta(hours=h), **ticket}
        )
        for h, ticket in enumerate(TICKETS, start=1)
    ]
    for trigger in TRIGGERS:

        def run(trigger: str = trigger) -> None:
            for _ in range(rounds):
                for f in facts:
                    evaluate(rules, f, trigger=trigger, now=NOW)  # type: ignore[arg-type]

        rate(f"evaluate(default-v1), trigger={trigger}", rounds * len(facts), run)


CONDITIONS = [
    (
        'type == "incident" and category == "network"',
        'type == "incident" && category == "network"',
    ),
    (
        'type == "incident" and category == "database"',
        'type == "incident" && category == "database"',
    ),
    (
        'type == "incident" and (category ?? "") =~ "^(hardware|printer)$"',
        'type == "incident" && category.matches("^(hardware|printer)$")',
    ),
    (
        'type == "service_request" and category in ["access", "account"]',
        'type == "service_request" && category in ["access", "account"]',
    ),
    ('"vpn" in words or "wifi" in words', '"vpn" in words || "wifi" in words'),
    ('title =~~ "(?i)password reset"', 'title.matches("(?i)password reset")'),
    ("impact <= 1 and urgency <= 1", "impact <= 1 && urgency <= 1"),
    (
        'priority in ["P1", "P2"] and state == "new"',
        'priority in ["P1", "P2"] && state == "new"',
    ),
    (
        'requester_org == "finance" and channel == "phone"',
        'requester_org == "finance" && channel == "phone"',
    ),
    ('age > t"PT4H" and state == "new"', 'age > duration("4h") && state == "new"'),
    (
        'idle > t"P2D" and state == "in_progress"',
        'idle > duration("48h") && state == "in_progress"',
    ),
    ("(sla_percent ?? 0.0) >= 80.0", "sla_percent >= 80.0"),
    (
        'not ("vip" in tags) and requester_site == "hq"',
        '!("vip" in tags) && requester_site == "hq"',
    ),
    (
        'service == "email" and configuration_item != null',
        'service == "email" && configuration_item != ""',
    ),
    (
        'hold_reason == "awaiting_vendor" and idle > t"P5D"',
        'hold_reason == "awaiting_vendor" && idle > duration("120h")',
    ),
    ('type == "change"', 'type == "change"'),
    ('description =~~ "(?i)outage|down"', 'description.matches("(?i)outage|down")'),
    (
        'escalation_level < 2 and priority == "P1"',
        'escalation_level < 2 && priority == "P1"',
    ),
    (
        'category == "storage" or category == "backup"',
        'category == "storage" || category == "backup"',
    ),
    ('type == "problem" and impact == 1', 'type == "problem" && impact == 1'),
]


def bench_compare(rounds: int) -> None:
    # optional, only for the comparison: not a dependency of the project
    celpy = importlib.import_module("celpy")
    celtypes = importlib.import_module("celpy.celtypes")

    from ticketing.rules.expressions import (  # noqa: PLC0415
        compile_condition,
        fact_record,
    )

    ticket = {**TICKETS[0], "sla_percent": 12.5}  # cel has no nullable doubles
    facts = facts_from_mapping({"requester_id": "u-1", "opened_at": NOW, **ticket})
    record = fact_record(facts, NOW)
    compiled = [compile_condition(ours) for ours, _ in CONDITIONS]

    def run_ours() -> None:
        for _ in range(rounds):
            for condition in compiled:
                condition.matches(record)

    env = celpy.Environment()
    programs = [env.program(env.compile(cel)) for _, cel in CONDITIONS]
    activation: dict[str, Any] = {k: _cel(v, celtypes) for k, v in record.items()}

    def run_cel() -> None:
        for _ in range(max(rounds // 20, 1)):
            for program in programs:
                program.evaluate(activation)

    rate("rule-engine, one condition", rounds * len(CONDITIONS), run_ours)
    rate("cel-python, one condition", max(rounds // 20, 1) * len(CONDITIONS), run_cel)


def _cel(value: object, celtypes: Any) -> object:
    if value is None:  # cel-python has no nullable strings; "" stands in
        return celtypes.StringType("")
    converters: list[tuple[type, Callable[[Any], object]]] = [
        (bool, celtypes.BoolType),
        (Decimal, lambda v: celtypes.DoubleType(float(v))),
        (str, celtypes.StringType),
        (set, lambda v: celtypes.ListType([celtypes.StringType(x) for x in sorted(v)])),
        (timedelta, lambda v: celtypes.DurationType(seconds=int(v.total_seconds()))),
        (datetime, celtypes.TimestampType),
    ]
    for kind, convert in converters:
        if isinstance(value, kind):
            return convert(value)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--compare-cel", action="store_true")
    args = parser.parse_args()
    bench_engine(args.rounds)
    if args.compare_cel:
        bench_compare(args.rounds)


if __name__ == "__main__":
    main()
