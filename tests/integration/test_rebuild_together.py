"""Rebuilding several projections from one read of the log gives each its own
content, as rebuilding them one by one does, even when resumed unevenly."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.projections import catch_up_all, fresh_digest, live_digest
from tests.support.strategies import run_steps, scripted_steps
from ticketing.projections import registry
from ticketing.projections.catchup import catch_up, catch_up_together
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.projections.manage import ProjectionHost
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def test_rebuilding_together_matches_a_fresh_build_of_each(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a history and live projections
    run_steps(runtime.service, clock, scripted_steps(10))
    host = runtime.projections
    catch_up_all(host)
    projections = list(host.projections.values())

    # when all are rebuilt together in small pages
    built = host.rebuild_together(projections, batch_size=7)

    # then each new generation is active at the head, with a fresh build's content
    head = host.source.head()
    assert [g.status for g in built] == ["active"] * len(projections)
    assert {g.position for g in built} == {head}
    for projection in projections:
        assert live_digest(host, projection.key) == fresh_digest(host, projection.key)


def test_a_rebuild_resumed_at_different_checkpoints_levels_them_first(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given rebuilds interrupted at different points (a crash between batches)
    run_steps(runtime.service, clock, scripted_steps(8))
    host = runtime.projections
    catch_up_all(host)
    projections = list(host.projections.values())
    head = host.source.head()
    for projection, stop in zip(projections, (head // 3, 0, head // 2), strict=False):
        gen = host.start_or_resume_rebuild(projection)
        catch_up(host.source, projection, gen, batch_size=5, stop=stop)

    # when the rebuild is resumed for all of them together
    built = host.rebuild_together(projections, batch_size=5)

    # then each one resumed its own generation and matches a fresh build
    with read_transaction(host.engine) as conn:
        building = [registry.get_building(conn, p.key) for p in projections]
    assert building == [None] * len(projections)
    assert {g.position for g in built} == {head}
    for projection in projections:
        assert live_digest(host, projection.key) == fresh_digest(host, projection.key)


def test_generations_at_different_checkpoints_are_not_fed_together(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(2))
    host = runtime.projections
    queue, audit = host.projections["queue_view"], host.projections["audit_trail"]
    ahead = host.ensure_active(queue)
    catch_up(host.source, queue, ahead)
    behind = host.ensure_active(audit)

    with pytest.raises(ValueError, match="same checkpoint"):
        catch_up_together(
            host.source, [(queue, registry_reload(host, ahead)), (audit, behind)]
        )


def registry_reload(
    host: ProjectionHost, gen: registry.Generation
) -> registry.Generation:
    """The generation as the registry has it now (its checkpoint moved)."""
    with read_transaction(host.engine) as conn:
        found = registry.get_generation(conn, gen.key, gen.generation)
    assert found is not None
    return found
