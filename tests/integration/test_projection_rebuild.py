"""Generations: rebuild side by side, resume, switch atomically, drop; verify drift."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import inspect, update

from tests.support.projections import (
    catch_up_all,
    fresh_digest,
    live_digest,
    rows,
    start_runtime,
)
from tests.support.strategies import run_steps, scripted_steps
from ticketing.errors import ProjectionError
from ticketing.projections import registry
from ticketing.projections.catchup import catch_up
from ticketing.projections.queue_view import QueueView
from ticketing.projections.verify import verify_projection
from ticketing.queries.queues import QueueFilter, list_queue
from ticketing.store.datastore import read_transaction, write_transaction

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.projections.manage import ProjectionHost
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def generations(host: ProjectionHost, key: str) -> dict[int, registry.Generation]:
    with read_transaction(host.engine) as conn:
        return {
            g.generation: g for g in registry.list_generations(conn) if g.key == key
        }


def served_numbers(host: ProjectionHost) -> list[str]:
    with read_transaction(host.engine) as conn:
        view = host.active_view(conn, "queue_view")
        flt = QueueFilter(states=())
        page = list_queue(conn, view.tables.tickets, 0, flt, sort="number", limit=500)
    return [i.number for i in page.items]


def test_a_rebuild_fills_a_new_generation_while_the_active_one_serves(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a live generation that is caught up
    run_steps(runtime.service, clock, scripted_steps(12))
    host = runtime.projections
    catch_up_all(host)
    served = served_numbers(host)
    projection = host.projections["queue_view"]

    # when a rebuild has done half its work
    building = host.start_or_resume_rebuild(projection)
    catch_up(host.source, projection, building, stop=host.source.head() // 2)

    # then queries still read the old generation, unchanged
    gens = generations(host, "queue_view")
    assert [(g.generation, g.status) for g in gens.values()] == [
        (1, "active"),
        (2, "building"),
    ]
    assert served_numbers(host) == served

    # and when it finishes, it is switched in atomically
    done = host.rebuild(projection)
    gens = generations(host, "queue_view")
    assert done.generation == 2
    assert (gens[1].status, gens[2].status) == ("retired", "active")
    assert gens[2].position == host.source.head()
    assert served_numbers(host) == served
    assert live_digest(host, "queue_view") == fresh_digest(host, "queue_view")


def test_a_killed_rebuild_resumes_its_own_generation_from_its_checkpoint(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(10))
    host = runtime.projections
    projection = host.projections["audit_trail"]
    host.ensure_active(projection)
    head = host.source.head()
    first = host.start_or_resume_rebuild(projection)
    catch_up(host.source, projection, first, batch_size=10, stop=head // 3)

    resumed = host.rebuild(projection, batch_size=10)

    assert resumed.generation == first.generation
    assert resumed.events_processed == head  # nothing applied twice
    assert len(rows(host, "audit_trail")) == head


def test_events_appended_during_a_rebuild_are_in_it_when_it_switches(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(6))
    host = runtime.projections
    projection = host.projections["queue_view"]
    host.ensure_active(projection)
    appended = threading.Event()

    def on_batch(_: object) -> None:
        if not appended.is_set():
            appended.set()
            run_steps(runtime.service, clock, scripted_steps(3, seed=5))

    done = host.rebuild(projection, on_batch=on_batch, batch_size=5)

    assert appended.is_set()
    assert done.position == host.source.head()
    assert live_digest(host, "queue_view") == fresh_digest(host, "queue_view")


def test_drop_removes_a_retired_generation_and_refuses_the_active_one(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(3))
    host = runtime.projections
    projection = host.projections["audit_trail"]
    catch_up_all(host)
    host.rebuild(projection)

    with pytest.raises(ProjectionError, match="is active"):
        host.drop_generation(projection, 2)
    host.drop_generation(projection, 1)

    tables = set(inspect(host.engine).get_table_names())
    assert "pv_audit_trail_g1_entries" not in tables
    assert "pv_audit_trail_g1_states" not in tables
    assert "pv_audit_trail_g2_entries" in tables
    assert list(generations(host, "audit_trail")) == [2]
    with pytest.raises(ProjectionError, match="no generation 1"):
        host.drop_generation(projection, 1)


def test_a_new_code_version_is_rebuilt_into_a_new_generation(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given generation 1 built by code version 1, and a half-built rebuild of it
    run_steps(runtime.service, clock, scripted_steps(4))
    host = runtime.projections
    catch_up_all(host)
    old = host.start_or_resume_rebuild(host.projections["queue_view"])

    # when code version 2 is deployed and rebuilt
    class QueueViewV2(QueueView):
        code_version = 2

    v2 = QueueViewV2()
    host.projections["queue_view"] = v2
    built = host.rebuild(v2)

    # then the abandoned v1 build is left alone and v2 is active
    gens = generations(host, "queue_view")
    assert old.generation == 2
    assert (built.generation, built.code_version, built.status) == (3, 2, "active")
    assert gens[2].status == "building"
    assert gens[1].status == "retired"


def test_verify_finds_no_drift_on_a_healthy_view(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(8))
    host = runtime.projections
    catch_up_all(host)

    for projection in host.projections.values():
        result = verify_projection(host, projection)
        assert result.matches
        assert result.position == host.source.head()
        assert result.differences == []


def test_verify_reports_the_first_differing_row_of_a_tampered_view(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a live queue view in which one ticket's state was edited by hand
    run_steps(runtime.service, clock, scripted_steps(8))
    host = runtime.projections
    catch_up_all(host)
    with write_transaction(host.engine) as conn:
        view = host.active_view(conn, "queue_view")
        t = view.tables.tickets
        conn.execute(update(t).where(t.c.number == "INC0000003").values(state="x"))

    result = verify_projection(host, host.projections["queue_view"])

    assert not result.matches
    assert len(result.differences) == 1
    diff = result.differences[0]
    assert diff.table == "tickets"
    assert diff.live is not None
    assert diff.rebuilt is not None
    assert diff.live["number"] == "INC0000003"
    assert diff.live["state"] == "x"
    assert diff.rebuilt["state"] != "x"


def test_verify_reports_a_missing_row(runtime: Runtime, clock: SettableClock) -> None:
    run_steps(runtime.service, clock, scripted_steps(4))
    host = runtime.projections
    catch_up_all(host)
    with write_transaction(host.engine) as conn:
        view = host.active_view(conn, "audit_trail")
        entries = view.tables.entries
        conn.execute(entries.delete().where(entries.c.position == 2))

    result = verify_projection(host, host.projections["audit_trail"])

    assert not result.matches
    assert result.live.rows["entries"] == result.rebuilt.rows["entries"] - 1
    assert [(d.live, d.rebuilt is not None) for d in result.differences] == [
        (None, True)
    ]
    assert result.differences[0].key["version"] is not None


@pytest.mark.postgres
def test_two_processes_creating_the_first_generation_at_once_agree(
    pg_url: str,
) -> None:
    # given several runtimes (as separate processes would be) on an empty database
    runtimes = [start_runtime(pg_url) for _ in range(4)]
    barrier = threading.Barrier(len(runtimes))
    results: list[registry.Generation] = []
    errors: list[BaseException] = []

    def start(rt: Runtime) -> None:
        barrier.wait()
        try:
            results.append(
                rt.projections.ensure_active(rt.projections.projections["queue_view"])
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    # when all create the queue view's first generation at the same moment
    threads = [threading.Thread(target=start, args=(rt,)) for rt in runtimes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for rt in runtimes:
        rt.close()

    # then they all get the same generation 1 and nobody fails
    assert errors == []
    assert {(g.generation, g.status) for g in results} == {(1, "active")}


def index_names(host: ProjectionHost, key: str, generation: int) -> set[str]:
    projection = host.projections[key]
    prefix = registry.table_prefix(key, generation)
    with read_transaction(host.engine) as conn:
        inspector = inspect(conn)
        return {
            str(ix["name"])
            for table in projection.all_tables(projection.tables(prefix))
            for ix in inspector.get_indexes(table.name)
        }


def declared_index_names(host: ProjectionHost, key: str, generation: int) -> set[str]:
    projection = host.projections[key]
    prefix = registry.table_prefix(key, generation)
    return {
        str(ix.name)
        for table in projection.all_tables(projection.tables(prefix))
        for ix in table.indexes
    }


@pytest.mark.parametrize("key", ["queue_view", "audit_trail", "sla"])
def test_a_building_generation_gets_its_indexes_when_it_is_switched_on(
    runtime: Runtime, clock: SettableClock, key: str
) -> None:
    # given a log and a rebuild interrupted halfway
    run_steps(runtime.service, clock, scripted_steps(8))
    host = runtime.projections
    projection = host.projections[key]
    host.ensure_active(projection)
    building = host.start_or_resume_rebuild(projection)
    catch_up(host.source, projection, building, stop=host.source.head() // 2)

    # then the generation nobody reads yet is written without secondary indexes
    declared = declared_index_names(host, key, building.generation)
    assert declared
    assert not index_names(host, key, building.generation) & declared

    # and when the rebuild resumes and switches it on, it has every index
    done = host.rebuild(projection, batch_size=7)
    assert done.generation == building.generation
    assert index_names(host, key, done.generation) >= declared
    assert live_digest(host, key) == fresh_digest(host, key)
