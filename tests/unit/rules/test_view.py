"""The processor's view: the log up to an event, plus its own later changes."""

from __future__ import annotations

from datetime import timedelta

from tests.support.memory_log import Sim, memory_reactor
from tests.support.rules_fixtures import demo_directory
from ticketing.aggregates.envelope import Actor
from ticketing.aggregates.ticket import Ticket
from ticketing.rules import Directory, Group, parse_rule_set
from ticketing.rules.loader import DATA_DIR
from ticketing.rules.reactor import PROCESSOR_KEY
from ticketing.rules.timers import Anchors
from ticketing.rules.view import RulesView, automated_trigger

RULES = """version = "v1"
queues = ["desk"]

[[rule]]
id = "RR"
when = "true"
assign = { strategy = "round_robin", group = "iam" }
"""


def _burst() -> Sim:
    sim = Sim()
    sim.directory(demo_directory())
    sim.activate(RULES, "v1")
    reactor = memory_reactor(sim)
    reactor.warm_up(sim.log.head())
    sim.cursor = sim.log.head()
    sim.open()
    sim.open()
    sim.open()
    sim.run(reactor)
    return sim


def test_changes_made_for_earlier_events_count_later_ones_do_not() -> None:
    sim = _burst()
    opened = [log for log in sim.log.events if isinstance(log.event, Ticket.Opened)]
    assigned = [log for log in sim.log.events if isinstance(log.event, Ticket.Assigned)]
    view = RulesView(sim.log, PROCESSOR_KEY)
    view.discover(sim.log.head())

    view.advance(opened[0].position)
    at_first = view.later_changes(opened[0].position)
    view.advance(opened[2].position)
    at_third = view.later_changes(opened[2].position)

    assert at_first == []  # its own assignment is decided there, not before
    assert at_third == assigned[:2]
    assert view.cursors(opened[2].position) == {"iam": "iris"}
    assert view.load(opened[2].position)["ian"] == 1


def test_only_the_processors_own_changes_are_recognised() -> None:
    sim = _burst()
    automated = [
        log for log in sim.log.events if isinstance(log.event, Ticket.Assigned)
    ]
    ticket_id = automated[0].originator_id
    # a timer's change: a rule actor and a causation, but the timer's command id
    ticket = sim.tickets[ticket_id]
    ctx = sim.ctx(
        Actor(id="rule:RR", role="automation", kind="rule"),
        causation_id=f"{ticket_id}:1",
        rule_id="RR",
        rule_set_version="v1",
        depth=1,
    )
    ticket.tag(ctx, "x")
    sim.record(ticket)
    timer_like = sim.log.events[-1]

    assert automated_trigger(automated[0], PROCESSOR_KEY) == (ticket_id, 1)
    assert automated_trigger(automated[0], "automation:other") is None
    assert automated_trigger(timer_like, PROCESSOR_KEY) is None


def test_time_rules_wake_up_at_the_durations_and_thresholds_they_name() -> None:
    rule_set = parse_rule_set(
        (DATA_DIR / "default-v1.toml").read_text("utf-8"),
        "default-v1.toml",
        demo_directory(),
    )
    hourly = parse_rule_set(
        'version = "h"\n[[rule]]\nid = "H"\non = ["time"]\n'
        'when = "now.hour >= 18"\ntag = "late"\n',
        "h.toml",
        Directory.of([], [Group("g")]),
    )

    anchors = Anchors.of(rule_set)

    assert anchors.durations == frozenset({timedelta(hours=4), timedelta(days=5)})
    assert anchors.sla_percents == frozenset({80.0})
    assert not anchors.hourly
    assert Anchors.of(hourly).hourly
