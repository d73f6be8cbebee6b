"""The SLA dashboard and the what-if page.

The dashboard reads the live SLA projection in one snapshot: compliance by
ISO week and by priority, MTTA/MTTR, live clock counts and the at-risk list
(the same functions as ``ticketing sla report``). The projection is kept up
by the background runners, so the page says how fresh it is: the log event
its figures are as of, and how many events (and how long) it is behind the
log, read in the same snapshot as the figures. What-if builds the SLA
projection under a candidate policy in scratch space and shows both sides and
the clocks that flip (``ticketing sla whatif``); candidates are only the
published versions and the versions activated in the log, never a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ticketing.console.pages import page
from ticketing.errors import InvalidCommandError
from ticketing.http.payloads import QueryArgs
from ticketing.queries.sla import at_risk, compliance, live_counts
from ticketing.queries.status import log_lag
from ticketing.sla.policies import list_policies, resolve_policy
from ticketing.sla.reading import active_view
from ticketing.sla.whatif import run_whatif
from ticketing.store.datastore import snapshot_transaction

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.console.pages import Page
    from ticketing.queries.sla import ComplianceRow

METRICS: Final = ("response", "resolution")
AT_RISK_LIMIT: Final = 50
FLIPS_SHOWN: Final = 200
#: Behind the log by longer than this, the freshness line is a warning.
STALE_AFTER_SECONDS: Final = 60.0


@dataclass(frozen=True, slots=True)
class Series:
    """Percent met per label, one list per metric, for a chart and its table."""

    labels: list[str]
    percent: dict[str, list[float | None]]
    counts: dict[str, list[str]]

    def as_json(self) -> dict[str, Any]:
        return {"labels": self.labels, "percent": self.percent}


def series(rows: list[ComplianceRow], dimension: str) -> Series:
    """The rows of one dimension as chart series (labels sorted)."""
    mine = [r for r in rows if r.dimension == dimension]
    labels = sorted({r.key for r in mine})
    by_key = {(r.key, r.metric): r for r in mine}
    percent: dict[str, list[float | None]] = {}
    counts: dict[str, list[str]] = {}
    for metric in METRICS:
        found = [by_key.get((label, metric)) for label in labels]
        percent[metric] = [None if r is None else r.percent_met for r in found]
        counts[metric] = ["-" if r is None else f"{r.met}/{r.total}" for r in found]
    return Series(labels, percent, counts)


def _overall(rows: list[ComplianceRow]) -> dict[str, ComplianceRow]:
    return {r.metric: r for r in rows if r.dimension == "all"}


def _dashboard(p: Page) -> dict[str, Any]:
    host = p.api.runtime.projections
    now = p.api.runtime.clock.now()
    with snapshot_transaction(host.engine) as conn:
        view = active_view(host, conn)
        wanted = ("all", "priority", "period")
        rows = compliance(conn, view.tables, wanted, "week", totals=True)
        counts = live_counts(conn, view.tables, now, totals=True)
        risky = at_risk(conn, view.tables, now, view.calendar_of, limit=AT_RISK_LIMIT)
        lag = log_lag(conn, host.source.recorder.table, view.position, now)
    weekly, by_priority = series(rows, "period"), series(rows, "priority")
    return {
        "now": now,
        "position": view.position,
        "lag": lag,
        "stale_after": STALE_AFTER_SECONDS,
        "overall": _overall(rows),
        "weekly": weekly,
        "by_priority": by_priority,
        "chart": {"weekly": weekly.as_json(), "priority": by_priority.as_json()},
        "live": counts,
        "at_risk": risky,
    }


async def dashboard_page(p: Page) -> Response:
    p.require("sla.read")
    data = await p.blocking(_dashboard, p)
    return p.render("dashboard.html", {**data, "can_whatif": p.user.can("sla.whatif")})


def candidates(p: Page) -> list[str]:
    """Policy versions a what-if may use: published ones and those in the log."""
    listing = list_policies(p.api.runtime.projections, p.api.runtime.clock.now())
    activated = [a.version for a in listing.activations]
    return sorted({*listing.published, *activated})


def _whatif(p: Page, policy: str) -> dict[str, Any]:
    host = p.api.runtime.projections
    bundle = resolve_policy(host, policy)
    now = p.api.runtime.clock.now()
    result = run_whatif(host, bundle, now, ("all", "priority"), "week")
    old = {(r.dimension, r.key, r.metric): r for r in result.old.compliance}
    new = {(r.dimension, r.key, r.metric): r for r in result.new.compliance}
    side_by_side = [
        (key, old.get(key), new.get(key)) for key in sorted(old.keys() | new.keys())
    ]
    old_p, new_p = (
        series(result.old.compliance, "priority"),
        series(result.new.compliance, "priority"),
    )
    return {
        "result": result,
        "rows": side_by_side,
        "flips": result.flips[:FLIPS_SHOWN],
        "chart": {"old": old_p.as_json(), "new": new_p.as_json()},
    }


async def whatif_page(p: Page) -> Response:
    p.require("sla.whatif")
    q = QueryArgs(p.request, ("policy",))
    policy = q.raw("policy")
    q.done()
    known = await p.blocking(candidates, p)
    context: dict[str, Any] = {"candidates": known, "policy": policy, "result": None}
    if policy:
        if policy not in known:
            raise InvalidCommandError.for_fields(
                {"policy": f"{policy[:64]!r} is not one of: {', '.join(known)}"}
            )
        context.update(await p.blocking(_whatif, p, policy))
    return p.render("whatif.html", context)


DASHBOARD_PAGE: Final = page(dashboard_page)
WHATIF_PAGE: Final = page(whatif_page)
