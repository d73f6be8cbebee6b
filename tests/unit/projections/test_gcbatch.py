"""The collector is paced while batch work runs, and restored afterwards."""

from __future__ import annotations

import gc

from ticketing.gcbatch import BATCH_THRESHOLDS, paced_gc


def test_thresholds_are_paced_inside_and_restored_after() -> None:
    before = gc.get_threshold()

    with paced_gc():
        inside = gc.get_threshold()

    assert inside == BATCH_THRESHOLDS
    assert gc.get_threshold() == before
    assert gc.isenabled()


def test_overlapping_users_restore_only_when_the_last_one_leaves() -> None:
    before = gc.get_threshold()

    with paced_gc():
        with paced_gc():
            pass
        still_paced = gc.get_threshold()

    assert still_paced == BATCH_THRESHOLDS
    assert gc.get_threshold() == before


def test_an_error_in_the_body_still_restores_the_thresholds() -> None:
    before = gc.get_threshold()

    try:
        with paced_gc():
            raise RuntimeError("boom")
    except RuntimeError:
        pass

    assert gc.get_threshold() == before
