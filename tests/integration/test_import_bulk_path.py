"""``import events``' bulk path on SQLite and PostgreSQL: decoded like the mapper,
written through the driver, and still all or nothing across many batches.

Sample file: line 1 is the header, line L holds the event at position L - 1.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent

from tests.support.portable_log import export_bytes, import_bytes, is_empty, rechain
from tests.support.service_history import (
    SAMPLE_EVENTS,
    index_rows,
    runtime_for,
    write_sample_history,
)
from ticketing.store.import_decoding import ParsedEventDecoder
from ticketing.store.portable import PortableLogError, dump_line

if TYPE_CHECKING:
    from pathlib import Path

    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


@pytest.fixture
def sample(tmp_path: Path) -> list[bytes]:
    with runtime_for(f"sqlite:///{tmp_path / 'source.db'}") as runtime:
        write_sample_history(runtime)
        return export_bytes(runtime).splitlines(keepends=True)


def _events(lines: list[bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines[1:]]


def _decode_both(runtime: Runtime, event: dict[str, Any]) -> tuple[Any, Any]:
    """(fast decoder's result or exception, the library mapper's)."""
    state = json.dumps(event["state"], ensure_ascii=False, separators=(",", ":"))
    data = state.encode()
    oid = uuid.UUID(event["originator_id"])
    topic, version = event["topic"], event["originator_version"]
    decoder = ParsedEventDecoder(runtime.app.mapper)
    stored = StoredEvent(oid, version, topic, data)
    results: list[Any] = []
    for decode in (
        lambda: decoder.to_domain_event(
            topic, oid, version, data, msgspec.json.decode(data)
        ),
        lambda: runtime.app.mapper.to_domain_event(stored),
    ):
        try:
            results.append(vars(decode()))
        except Exception as exc:
            results.append(type(exc))
    return results[0], results[1]


def test_the_parsed_payload_decodes_to_the_mappers_event(
    sample: list[bytes], sqlite_url: str
) -> None:
    with runtime_for(sqlite_url) as runtime:
        for event in _events(sample):
            fast, library = _decode_both(runtime, event)
            assert isinstance(fast, dict)
            assert fast == library


DAMAGE: dict[str, Any] = {
    "bad time": lambda s: s["timestamp"].update(_data_="yesterday"),
    "envelope without actor": lambda s: s["meta"]["_data_"].pop("actor_id"),
    "unknown tag": lambda s: s["meta"].update(_type_="nope"),
    "depth not a number": lambda s: s["meta"]["_data_"].update(depth="deep"),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_a_damaged_payload_fails_as_in_the_mapper(
    name: str, sample: list[bytes], sqlite_url: str
) -> None:
    event = _events(sample)[3]
    DAMAGE[name](event["state"])
    with runtime_for(sqlite_url) as runtime:
        fast, library = _decode_both(runtime, event)
    assert fast == library


def test_many_small_batches_load_the_same_store(
    sample: list[bytes], db_url: str, tmp_path: Path
) -> None:
    exported = b"".join(sample)
    with runtime_for(f"sqlite:///{tmp_path / 'one.db'}") as one_batch:
        import_bytes(one_batch, exported)
        expected = index_rows(one_batch)

    with runtime_for(db_url) as target:
        summary = import_bytes(target, exported, batch_size=3)
        assert export_bytes(target) == exported
        assert index_rows(target) == expected
    assert summary.events == SAMPLE_EVENTS


def _reuse_command_id(lines: list[bytes], line: int, of_line: int) -> list[bytes]:
    value = json.loads(lines[line - 1])
    earlier = json.loads(lines[of_line - 1])["state"]["meta"]["_data_"]["command_id"]
    value["state"]["meta"]["_data_"]["command_id"] = earlier
    return rechain([*lines[: line - 1], dump_line(value), *lines[line:]])


def test_a_command_id_reused_batches_later_leaves_the_store_empty(
    sample: list[bytes], db_url: str
) -> None:
    # the database's unique key finds it, after earlier batches were written
    broken = _reuse_command_id(sample, 16, of_line=2)

    with runtime_for(db_url) as target:
        with pytest.raises(PortableLogError) as err:
            import_bytes(target, b"".join(broken), batch_size=2)
        assert err.value.details["line"] == 16
        assert "reappears at position 15" in err.value.message
        assert is_empty(target)


def test_a_tampered_line_mid_file_leaves_the_store_empty(
    sample: list[bytes], db_url: str
) -> None:
    value = json.loads(sample[9])
    value["state"]["meta"]["_data_"]["actor_id"] = "mallory"
    lines = [*sample[:9], dump_line(value), *sample[10:]]

    with runtime_for(db_url) as target:
        with pytest.raises(PortableLogError) as err:
            import_bytes(target, b"".join(lines), batch_size=2)
        assert err.value.details["line"] == 10
        assert "does not match its hash" in err.value.message
        assert is_empty(target)


def test_a_line_the_fast_reader_declines_is_still_imported(
    sample: list[bytes], db_url: str
) -> None:
    # a well-formed line that is not canonical (spaces): the reference decoder
    lines = list(sample)
    lines[5] = json.dumps(json.loads(lines[5]), ensure_ascii=False).encode() + b"\n"

    with runtime_for(db_url) as target:
        summary = import_bytes(target, b"".join(lines), batch_size=4)
        again = export_bytes(target)

    assert summary.events == SAMPLE_EVENTS
    assert again == b"".join(sample)
