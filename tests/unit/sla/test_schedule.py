"""Which activation is in force at an instant (log order, effective_from)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketing.sla.library import Activation, PolicyLibrary, Schedule


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def activation(position: int, version: str, effective: datetime) -> Activation:
    return Activation(position, version, "0" * 64, effective, at(1), "admin", {})


def test_nothing_is_in_force_before_the_first_activation_takes_effect() -> None:
    schedule = Schedule([activation(10, "v2", at(5))])

    assert schedule.in_force(at(4, 23)) is None
    found = schedule.in_force(at(5))
    assert found is not None
    assert found.version == "v2"


def test_versions_follow_each_other_by_effective_time() -> None:
    schedule = Schedule([activation(10, "v2", at(5)), activation(20, "v3", at(9))])

    versions = [
        (a.version if a else None)
        for a in map(schedule.in_force, (at(4), at(6), at(9), at(30)))
    ]

    assert versions == [None, "v2", "v3", "v3"]


def test_a_later_activation_replaces_pending_ones_from_its_instant_on() -> None:
    # v2 was scheduled for the 20th; then v3 was activated for the 10th
    schedule = Schedule([activation(10, "v2", at(20)), activation(20, "v3", at(10))])

    assert [a.version for a in schedule.entries] == ["v3"]
    found = schedule.in_force(at(25))
    assert found is not None
    assert found.version == "v3"


def test_the_library_knows_versions_as_activated_or_published() -> None:
    library = PolicyLibrary()

    assert library.for_version("default-v1", []).policy.version == "default-v1"
    with pytest.raises(LookupError):
        library.for_version("v9", [activation(1, "v2", at(1))])
