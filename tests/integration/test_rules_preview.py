"""Preview: counterfactual, read-only, and exact for the rule set that ran."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.support.db_digest import catch_up_projections, database_digest
from tests.support.rules_runtime import (
    DEFAULT_RULES,
    activate_default,
    build_history,
    open_ticket,
    rules_runtime,
    seed_directory,
)
from ticketing.aggregates.envelope import Actor
from ticketing.commands.service import CommandContext
from ticketing.rules import parse_rule_set
from ticketing.rules.preview import preview
from ticketing.rules.view import SourceReader
from ticketing.rules.wiring import current_directory

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from ticketing.clock import SettableClock
    from ticketing.rules.preview import PreviewReport
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class History:
    runtime: Runtime
    imported: UUID


@pytest.fixture
def history(db_url: str) -> Iterator[History]:
    runtime, clock = rules_runtime(db_url)
    seed_directory(runtime)
    activate_default(runtime)
    build_history(runtime, clock, threading.Event())
    yield History(runtime, _imported_ticket(runtime, clock))
    runtime.close()


def _imported_ticket(runtime: Runtime, clock: SettableClock) -> UUID:
    importer = CommandContext(
        actor=Actor(id="migration", role="import", kind="import"),
        occurred_at=clock.now(),
    )
    return open_ticket(
        runtime, importer, title="Imported VPN outage", category="network"
    )


def _preview(history: History, text: str, **options: bool) -> PreviewReport:
    runtime = history.runtime
    reader = SourceReader(runtime.projections.source)
    candidate = parse_rule_set(text, "candidate.toml", current_directory(reader))
    return preview(reader, candidate, runtime.service.matrix, **options)


def test_previewing_the_rule_set_that_ran_finds_no_difference(
    history: History,
) -> None:
    report = _preview(history, DEFAULT_RULES.read_text("utf-8"))

    assert report.differences == []
    assert report.trigger_points > 50
    assert report.tickets == 25
    assert report.imported_skipped == 1
    assert dict(report.in_force) == {"default-v1": report.trigger_points}


def test_a_different_routing_is_reported_per_ticket_as_a_counterfactual(
    history: History,
) -> None:
    text = DEFAULT_RULES.read_text("utf-8").replace(
        'route = { queue = "network", group = "network-l2" }',
        'route = { queue = "service-desk", group = "service-desk-l1" }',
    )

    report = _preview(history, text)

    routes = [d for d in report.differences if d.kind == "route"]
    assert routes
    assert {d.text for d in routes} == {
        "would have routed to service-desk (group service-desk-l1) "
        "instead of network (group network-l2)"
    }
    assert all(d.candidate_rule == "NET-1" and d.actual_rule == "NET-1" for d in routes)
    assert all((d.trigger, d.depth) == ("opened", 0) for d in routes)
    assert report.as_json()["counterfactual"] is True
    assert "COUNTERFACTUAL" in report.as_json()["note"]


def test_imported_history_can_be_previewed_on_request(history: History) -> None:
    report = _preview(history, DEFAULT_RULES.read_text("utf-8"), include_imports=True)

    imported = [d for d in report.differences if d.ticket_id == str(history.imported)]
    assert report.imported_skipped == 0
    assert {d.kind for d in imported} == {"route"}
    assert imported[0].text == (
        "would have routed to network (group network-l2); "
        "automation left it at no queue"
    )


def test_preview_writes_nothing(history: History) -> None:
    catch_up_projections(history.runtime)
    before = database_digest(history.runtime)
    text = DEFAULT_RULES.read_text("utf-8").replace("urgency = 1 }", "urgency = 2 }")

    report = _preview(history, text)

    assert report.trigger_points > 0
    assert database_digest(history.runtime) == before
    head = history.runtime.projections.source.head()
    assert before.rows["ticketing_events"] == head
    assert any(name.startswith("pv_") for name in before.rows)
