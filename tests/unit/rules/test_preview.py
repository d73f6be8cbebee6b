"""Preview on the in-memory log: differences, refused decisions, depth bound."""

from __future__ import annotations

from tests.support.builders import MATRIX
from tests.support.memory_log import Sim, memory_reactor
from tests.support.rules_fixtures import demo_directory
from ticketing.rules import parse_rule_set
from ticketing.rules.loader import DATA_DIR
from ticketing.rules.preview import preview

DEFAULT = (DATA_DIR / "default-v1.toml").read_text("utf-8")
ELSEWHERE = DEFAULT.replace(
    'route = { queue = "network", group = "network-l2" }',
    'route = { queue = "service-desk", group = "service-desk-l1" }',
)


def _sim() -> Sim:
    sim = Sim()
    sim.directory(demo_directory())
    sim.activate(DEFAULT, "default-v1")
    reactor = memory_reactor(sim)
    reactor.warm_up(sim.log.head())
    sim.cursor = sim.log.head()
    return sim


def test_where_the_decision_in_force_was_refused_nothing_is_compared() -> None:
    sim = _sim()
    reactor = memory_reactor(sim)
    reactor.warm_up(sim.cursor)
    fixed_first = sim.open(title="VPN down", category="network")
    sim.act(fixed_first, lambda t, c: t.resolve(c, "fixed", ""))  # before automation
    sim.open(title="VPN down again", category="network")
    sim.run(reactor)
    candidate = parse_rule_set(ELSEWHERE, "c.toml", demo_directory())

    report = preview(sim.log, candidate, MATRIX)

    assert [(d.number, d.kind) for d in report.differences] == [("INC0000002", "route")]
    assert report.not_comparable == 1
    assert report.as_json()["summary"]["not_comparable"] == 1


def test_a_tighter_bound_in_the_candidate_is_counted_as_halted() -> None:
    sim = _sim()
    reactor = memory_reactor(sim)
    reactor.warm_up(sim.cursor)
    sim.open(title="Screen flickers")  # routed (depth 1), then assigned there
    sim.run(reactor)
    tight = DEFAULT.replace("max_chain_depth = 3", "max_chain_depth = 1")
    candidate = parse_rule_set(tight, "c.toml", demo_directory())

    report = preview(sim.log, candidate, MATRIX)

    assert report.halted == 1
    assert [(d.kind, d.depth) for d in report.differences] == [("assign", 1)]
    assert report.differences[0].text == (
        "would have left it at unassigned; automation assigned to ada"
    )
