"""SLA policy files: default-v1, option defaults, the ordering law, bad files."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.sla_builders import default_policy_raw
from ticketing.aggregates.vocabulary import PRIORITIES, TICKET_TYPES
from ticketing.errors import PolicyError
from ticketing.policies.calendar_file import PUBLISHED_CALENDARS
from ticketing.policies.policy_file import format_duration, parse_duration
from ticketing.policies.sla import SlaPolicy, Target, ordering_problems
from ticketing.policies.sla_file import (
    load_sla_policy,
    parse_sla_policy,
    published_sla_versions,
)

if TYPE_CHECKING:
    from ticketing.aggregates.vocabulary import Priority, TicketType
    from ticketing.policies.sla import Metric

H, M = timedelta(hours=1), timedelta(minutes=1)

DEFAULT_TARGETS = [
    # ticket type, priority, metric, within, calendar
    ("incident", "P1", "response", 15 * M, "24x7-v1"),
    ("incident", "P1", "resolution", 4 * H, "24x7-v1"),
    ("incident", "P2", "resolution", 8 * H, "24x7-v1"),
    ("incident", "P3", "response", 4 * H, "nl-office-v1"),
    ("incident", "P3", "resolution", 30 * H, "nl-office-v1"),
    ("incident", "P5", "resolution", 100 * H, "nl-office-v1"),
    ("service_request", "P3", "response", 4 * H, "nl-office-v1"),  # not overridden
    ("service_request", "P3", "resolution", 40 * H, "nl-office-v1"),
    ("service_request", "P4", "resolution", 80 * H, "nl-office-v1"),
    ("change", "P4", "resolution", 50 * H, "nl-office-v1"),
]


@pytest.mark.parametrize(
    ("ticket_type", "priority", "metric", "within", "cal"), DEFAULT_TARGETS
)
def test_default_policy_targets(
    ticket_type: TicketType,
    priority: Priority,
    metric: Metric,
    within: timedelta,
    cal: str,
) -> None:
    sla = load_sla_policy("default-v1")

    assert sla.target(ticket_type, priority, metric) == Target(within, cal)


def test_default_policy_options_and_calendars() -> None:
    sla = load_sla_policy()

    assert sla.version == "default-v1"
    assert "default-v1" in published_sla_versions()
    assert sla.priority_change == "retroactive"
    assert sla.reopen == "resume"
    assert sla.thresholds == (75, 100)
    assert sla.pausing_hold_reasons == {
        "awaiting_caller",
        "awaiting_vendor",
        "awaiting_problem",
        "awaiting_change",
    }
    assert sla.calendar_versions == {"24x7-v1", "nl-office-v1"}


def test_omitted_options_take_their_defaults() -> None:
    raw = {k: v for k, v in default_policy_raw().items() if k in ("version", "targets")}

    sla = parse_sla_policy(raw, "<minimal>", PUBLISHED_CALENDARS)

    assert sla.priority_change == "retroactive"
    assert sla.reopen == "resume"
    assert sla.thresholds == (75, 100)
    assert len(sla.pausing_hold_reasons) == 4
    assert sla.target("service_request", "P3", "resolution").within == 30 * H


def test_every_published_policy_obeys_the_ordering_law() -> None:
    for version in published_sla_versions():
        sla = load_sla_policy(version)

        assert ordering_problems(sla, PUBLISHED_CALENDARS) == []
        for ticket_type in TICKET_TYPES:
            for metric in ("response", "resolution"):
                durations = [
                    sla.target(ticket_type, p, metric).within for p in PRIORITIES
                ]
                assert durations == sorted(durations)


def test_empty_pausing_list_means_no_hold_pauses() -> None:
    raw = default_policy_raw() | {"pausing_hold_reasons": []}

    sla = parse_sla_policy(raw, "<no-pause>", PUBLISHED_CALENDARS)

    assert not any(sla.pauses_on(r) for r in ("awaiting_caller", "awaiting_vendor"))


def _with(path: str, value: object) -> dict[str, Any]:
    raw = copy.deepcopy(default_policy_raw())
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node.setdefault(key, {})
    if value is None:
        del node[last]
    else:
        node[last] = value
    return raw


def _target(within: str, calendar: str = "nl-office-v1") -> dict[str, str]:
    return {"within": within, "calendar": calendar}


BAD_POLICIES = [
    ("targets.P4.resolution", _target("20h"), "targets", "lower priority is stricter"),
    (
        "targets.P2.response",
        _target("10m", "24x7-v1"),
        "targets",
        "P1 15m on 24x7-v1 vs P2",
    ),
    (
        "overrides.problem.P5",
        {"resolution": _target("10h")},
        "targets",
        "problem resolution: P4",
    ),
    ("targets.P4.response", _target("8h", "us-office-v1"), "targets", "not 24x7"),
    ("targets.P5.response", _target("101h"), "targets", "longer than resolution"),
    (
        "targets.P1.response",
        _target("15m", "mars-v1"),
        "targets.P1.response.calendar",
        "unknown calendar",
    ),
    (
        "targets.P1.response",
        _target("4 hours"),
        "targets.P1.response.within",
        "not a duration",
    ),
    (
        "targets.P1.response",
        _target("2d"),
        "targets.P1.response.within",
        "not a duration",
    ),
    ("targets.P1.response", _target("0m"), "targets.P1.response.within", "positive"),
    (
        "targets.P1.response",
        {"within": "15m"},
        "targets.P1.response.calendar",
        "non-empty",
    ),
    (
        "targets.P1.response",
        {**_target("15m"), "pause": 1},
        "targets.P1.response.pause",
        "unknown key",
    ),
    ("targets.P1.response", None, "targets.P1.response", "a table is required"),
    ("targets.P5", None, "targets.P5", "a table is required"),
    ("targets.P6", {"response": _target("1h")}, "targets.P6", "unknown key"),
    ("targets.P1.reaction", _target("1h"), "targets.P1.reaction", "unknown key"),
    ("targets", None, "targets", "a table is required"),
    (
        "priority_change",
        "sometimes",
        "priority_change",
        "not one of retroactive, restart",
    ),
    ("reopen", "forget", "reopen", "not one of resume, new_cycle"),
    ("thresholds", [100, 75], "thresholds", "strictly increasing"),
    ("thresholds", [0, 100], "thresholds", "whole percentages"),
    ("thresholds", [75.5], "thresholds", "whole percentages"),
    ("thresholds", "75", "thresholds", "whole percentages"),
    ("pausing_hold_reasons", ["awaiting_godot"], "pausing_hold_reasons", "not one of"),
    ("pausing_hold_reasons", "awaiting_caller", "pausing_hold_reasons", "a list"),
    (
        "pausing_hold_reasons",
        ["awaiting_caller", "awaiting_caller"],
        "pausing_hold_reasons",
        "listed twice",
    ),
    (
        "overrides.ticket",
        {"P1": {"response": _target("1h")}},
        "overrides.ticket",
        "unknown key",
    ),
    (
        "overrides.change.P1",
        {},
        "overrides.change.P1",
        "needs a response or a resolution",
    ),
    ("overrides.change.P9", {}, "overrides.change.P9", "unknown key"),
    ("overrides.change", "fast", "overrides.change", "a table per priority"),
    ("overrides", [], "overrides", "a table per ticket type"),
    ("version", None, "version", "non-empty string"),
    ("colour", "blue", "colour", "unknown key"),
]


@pytest.mark.parametrize(("path", "value", "field", "reason"), BAD_POLICIES)
def test_bad_policy_file_is_refused_naming_file_and_field(
    path: str, value: object, field: str, reason: str
) -> None:
    raw = _with(path, value)

    with pytest.raises(PolicyError) as err:
        parse_sla_policy(raw, "sla/bad.toml", PUBLISHED_CALENDARS)

    assert err.value.details["file"] == "sla/bad.toml"
    assert err.value.details["field"] == field
    assert reason in err.value.details["reason"]


def test_ordering_error_lists_every_problem() -> None:
    raw = _with("targets.P4.resolution", _target("20h"))

    with pytest.raises(PolicyError) as err:
        parse_sla_policy(raw, "sla/bad.toml", PUBLISHED_CALENDARS)

    # P3 30h > P4 20h, for each of the 3 types without an override at P4
    assert len(err.value.details["problems"]) == 3


def test_unknown_published_version_is_refused() -> None:
    with pytest.raises(PolicyError) as err:
        load_sla_policy("default-v99")

    assert err.value.details["field"] == "version"


def test_policy_without_some_target_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="no target"):
        SlaPolicy(version="x", targets={})


DURATIONS = [
    ("15m", 15 * M),
    ("4h", 4 * H),
    ("1h30m", 90 * M),
    ("100h", 100 * H),
    ("90m", 90 * M),
]


@pytest.mark.parametrize(("text", "duration"), DURATIONS)
def test_durations_parse(text: str, duration: timedelta) -> None:
    assert parse_duration(text, "f", "x") == duration


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (90 * M, "1h30m"),
        (4 * H, "4h"),
        (timedelta(0), "0m"),
        (-90 * M, "-1h30m"),
        (timedelta(hours=26, seconds=5), "26h5s"),
    ],
)
def test_durations_format(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text
