"""Portable log round trips on SQLite and PostgreSQL: lossless, usable, atomic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from eventsourcing.persistence import StoredEvent
from sqlalchemy import insert
from typer.testing import CliRunner

from tests.support.portable_log import (
    export_bytes,
    import_bytes,
    is_empty,
    store_contents,
)
from tests.support.service_history import (
    AGENT,
    SAMPLE_EVENTS,
    T0,
    Writer,
    index_rows,
    runtime_for,
    write_sample_history,
)
from ticketing.cli import app
from ticketing.commands import admin_messages as a
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext, fingerprint
from ticketing.projections import registry
from ticketing.store.log_import import StoreNotEmptyError
from ticketing.store.portable import PortableLogError, dump_line
from ticketing.store.verify import verify_log

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.fixture
def source_url(tmp_path: Path) -> str:
    """A SQLite file apart from ``db_url``'s, to export from."""
    return f"sqlite:///{tmp_path / 'source.db'}"


def test_export_import_export_is_byte_identical_and_rebuilds_indexes(
    db_url: str, source_url: str
) -> None:
    with runtime_for(source_url) as source:
        writer = write_sample_history(source)
        exported = export_bytes(source)
        source_indexes = index_rows(source)
        source_tickets = [source.service.load(t) for t in writer.tickets]

    with runtime_for(db_url) as target:
        summary = import_bytes(target, exported, batch_size=4)
        again = export_bytes(target)
        target_indexes = index_rows(target)
        target_tickets = [target.service.load(t) for t in writer.tickets]
        report = verify_log(target.recorder)

    assert again == exported
    assert (summary.events, summary.aggregates, summary.commands) == (
        SAMPLE_EVENTS,
        3,
        17,
    )
    assert target_indexes == source_indexes
    assert [vars(t) for t in target_tickets] == [vars(t) for t in source_tickets]
    assert report.ok


def test_the_imported_store_carries_on_where_the_source_stopped(
    db_url: str, source_url: str
) -> None:
    with runtime_for(source_url) as source:
        writer = write_sample_history(source)
        retried = m.AddComment(ticket_id=writer.tickets[1], body="first try")
        original = writer.run(retried)
        exported = export_bytes(source)

    with runtime_for(db_url) as target:
        import_bytes(target, exported)
        again = Writer(target)
        replay = target.service.execute(retried, CommandContext(actor=AGENT))
        opened = again.run(
            m.OpenTicket(
                type="incident", title="t", impact=1, urgency=1, requester_id="x"
            )
        )
        report = verify_log(target.recorder)

    assert replay.replayed
    assert (replay.position, replay.version) == (original.position, original.version)
    assert opened.number == "INC0000002"  # the counter was rebuilt
    assert opened.position == SAMPLE_EVENTS + 2
    assert report.ok


@pytest.mark.postgres
def test_a_sqlite_log_moves_to_postgresql_byte_for_byte(
    source_url: str, pg_url: str
) -> None:
    with runtime_for(source_url) as source:
        write_sample_history(source)
        exported = export_bytes(source)
    with runtime_for(pg_url) as target:
        import_bytes(target, exported)
        assert export_bytes(target) == exported


def test_import_refuses_a_store_that_is_not_empty(db_url: str, tmp_path: Path) -> None:
    with runtime_for(db_url) as runtime:
        write_sample_history(runtime)
        exported = export_bytes(runtime)
        before = store_contents(runtime)
    file = tmp_path / "log.jsonl"
    file.write_bytes(exported)

    result = CliRunner().invoke(app, ["--db", db_url, "import", "events", str(file)])

    assert result.exit_code == 2
    assert "already holds 17 events" in result.stderr
    with runtime_for(db_url) as runtime:
        assert store_contents(runtime) == before


def test_a_failure_at_the_last_line_leaves_the_store_empty(
    db_url: str, source_url: str
) -> None:
    with runtime_for(source_url) as source:
        write_sample_history(source)
        lines = export_bytes(source).splitlines(keepends=True)
    last = json.loads(lines[-1])
    last["hash"] = "f" * 64  # a well-formed hash that does not match the event
    lines[-1] = dump_line(last)

    with runtime_for(db_url) as target:
        with pytest.raises(PortableLogError) as err:
            import_bytes(target, b"".join(lines), batch_size=2)
        assert err.value.details["line"] == SAMPLE_EVENTS + 1
        assert "does not match its hash" in err.value.message
        assert is_empty(target)


def test_export_since_holds_only_the_tail_and_links_to_it(sqlite_url: str) -> None:
    with runtime_for(sqlite_url) as runtime:
        write_sample_history(runtime)
        full = export_bytes(runtime).splitlines()
        tail = export_bytes(runtime, since=12).splitlines()
        beyond = export_bytes(runtime, since=99).splitlines()

    header = json.loads(tail[0])
    assert header["after"] == {
        "position": 12,
        "hash": json.loads(full[12])["hash"],
    }
    assert header["last"] == json.loads(full[0])["last"]
    assert header["events"] == 5
    assert tail[1:] == full[13:]
    assert json.loads(beyond[0])["events"] == 0
    assert len(beyond) == 1


def test_a_partial_export_cannot_be_imported(db_url: str, source_url: str) -> None:
    with runtime_for(source_url) as source:
        write_sample_history(source)
        tail = export_bytes(source, since=3)

    with runtime_for(db_url) as target:
        with pytest.raises(PortableLogError, match="after position 3"):
            import_bytes(target, tail)
        assert is_empty(target)


def test_export_to_a_file_equals_export_to_stdout(
    sqlite_url: str, tmp_path: Path
) -> None:
    with runtime_for(sqlite_url) as runtime:
        write_sample_history(runtime)
    file = tmp_path / "log.jsonl"
    runner = CliRunner()

    to_file = runner.invoke(app, ["--db", sqlite_url, "export", "-o", str(file)])
    to_stdout = runner.invoke(app, ["--db", sqlite_url, "export"])

    assert (to_file.exit_code, to_stdout.exit_code) == (0, 0)
    assert file.read_bytes() == to_stdout.stdout_bytes
    assert "exported 17 events" in to_file.stderr
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_exporting_a_tampered_log_warns_and_exits_1(sqlite_url: str) -> None:
    from tests.support import tamper  # noqa: PLC0415 - only this test tampers

    with runtime_for(sqlite_url) as runtime:
        write_sample_history(runtime)
    tamper.edit_state_byte(sqlite_url, 4)

    result = CliRunner().invoke(app, ["--db", sqlite_url, "export"])

    assert result.exit_code == 1
    assert "edited at position 4" in result.stderr
    assert len(result.stdout_bytes.splitlines()) == SAMPLE_EVENTS + 1


def test_import_events_cli_reports_what_it_loaded(
    db_url: str, source_url: str, tmp_path: Path
) -> None:
    with runtime_for(source_url) as source:
        write_sample_history(source)
        file = tmp_path / "log.jsonl"
        file.write_bytes(export_bytes(source))

    result = CliRunner().invoke(
        app, ["--db", db_url, "import", "events", str(file), "--json"]
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["events"] == SAMPLE_EVENTS


def test_a_payload_that_is_not_canonical_json_travels_as_base64(
    db_url: str, source_url: str
) -> None:
    # given an event whose stored bytes are valid JSON, but not in canonical form
    with runtime_for(source_url) as source:
        writer = write_sample_history(source)
        ticket = writer.tickets[1]
        last = source.recorder.select_events(ticket, desc=True, limit=1)[0]
        value = json.loads(last.state)
        value["meta"]["_data_"]["command_id"] = "hand-written"
        odd = json.dumps(value, indent=1, ensure_ascii=True).encode()
        source.recorder.insert_events(
            [StoredEvent(ticket, last.originator_version + 1, last.topic, odd)]
        )
        exported = export_bytes(source)

    with runtime_for(db_url) as target:
        import_bytes(target, exported)
        again = export_bytes(target)
        stored = target.recorder.select_events(ticket, desc=True, limit=1)[0]
        loaded = target.service.load(ticket)

    assert b'"state_base64":' in exported.splitlines()[-1]
    assert b'"state_base64":' not in b"".join(exported.splitlines()[:-1])
    assert again == exported
    assert stored.state == odd
    assert loaded.version == last.originator_version + 1


def test_events_carry_the_command_name_and_fingerprint(sqlite_url: str) -> None:
    with runtime_for(sqlite_url) as runtime:
        command = m.OpenTicket(
            type="change", title="t", impact=3, urgency=3, requester_id="x"
        )
        result = Writer(runtime).run(command)
        stored = runtime.recorder.select_events(result.ticket_id)[0]
        opened = runtime.app.mapper.to_domain_event(stored)

    envelope = json.loads(stored.state)["meta"]["_data_"]
    assert envelope["command_name"] == "open_ticket"
    assert envelope["command_fingerprint"] == fingerprint(command, AGENT)
    assert opened.meta.command_name == "open_ticket"  # type: ignore[attr-defined]


def test_import_refuses_projections_that_are_ahead_of_an_empty_log(
    db_url: str, source_url: str
) -> None:
    with runtime_for(source_url) as source:
        write_sample_history(source)
        exported = export_bytes(source)
    with runtime_for(db_url) as target:
        registry.metadata.create_all(target.engine)
        with target.engine.begin() as conn:
            conn.execute(
                insert(registry.registry_table).values(
                    key="queue_view",
                    generation=1,
                    code_version=1,
                    status="active",
                    position=5,
                    events_processed=5,
                    created_at=T0,
                    interruptions=0,
                )
            )

        with pytest.raises(StoreNotEmptyError, match="projection 'queue_view'"):
            import_bytes(target, exported)
        assert is_empty(target)


def test_directory_aggregates_travel_with_their_command_references(
    db_url: str, source_url: str
) -> None:
    with runtime_for(source_url) as source:
        writer = Writer(source)
        writer.run(a.RegisterAgent(agent_id="carol", display_name="Carol"))
        writer.run(a.CreateGroup(group_id="network", display_name="Network"))
        writer.run(a.AddGroupMember(group_id="network", agent_id="carol"))
        writer.run(a.SetAgentCapacity(agent_id="carol", capacity=3))
        exported = export_bytes(source)
        live = index_rows(source)

    with runtime_for(db_url) as target:
        summary = import_bytes(target, exported)
        rebuilt = index_rows(target)
        again = export_bytes(target)

    references = sorted(row[4] for row in rebuilt["commands"])
    assert references == ["carol", "carol", "network", "network"]
    assert (summary.events, summary.commands, summary.aggregates) == (4, 4, 2)
    assert rebuilt == live
    assert again == exported


def test_projections_rebuilt_from_an_imported_log_have_the_same_digests(
    db_url: str, source_url: str
) -> None:
    with runtime_for(source_url) as source:
        write_sample_history(source)
        exported = export_bytes(source)
        expected = {}
        for projection in source.projections.select(None):
            source.projections.rebuild(projection)
            expected[projection.key] = source.projections.live_digest(projection)

    with runtime_for(db_url) as target:
        import_bytes(target, exported)
        found = {}
        for projection in target.projections.select(None):
            target.projections.rebuild(projection)
            found[projection.key] = target.projections.live_digest(projection)

    assert expected
    assert found == expected
