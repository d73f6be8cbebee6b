"""docs/event-log.md and the JSON Schema tell the truth about real exports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import jsonschema
import pytest

from tests.support.portable_log import export_bytes
from tests.support.service_history import runtime_for, write_sample_history
from ticketing.store.chain import GENESIS_HASH, event_hash
from ticketing.store.portable import dump_line

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[2] / "docs"
EVENT_LOG_DOC = DOCS / "event-log.md"
SCHEMA = DOCS / "schemas" / "event-log-v1.schema.json"
MARKER = "<!-- auditor-script -->\n```python\n"

VECTOR_1 = "91459c3432de1b8b5b85e271af7aadabc83e85cacc4aa74f9baadc34f5c1c2b1"
VECTOR_2 = "1da7720d9f16dc98f43c8af9a33e6cdcdd7c1a1f0196baff0ad0649d1a103356"


@pytest.fixture
def export_file(sqlite_url: str, tmp_path: Path) -> Path:
    with runtime_for(sqlite_url) as runtime:
        write_sample_history(runtime)
        data = export_bytes(runtime)
    file = tmp_path / "log.jsonl"
    file.write_bytes(data)
    return file


def auditor_script(tmp_path: Path) -> Path:
    text = EVENT_LOG_DOC.read_text(encoding="utf-8")
    start = text.index(MARKER) + len(MARKER)
    script = tmp_path / "verify_export.py"
    script.write_text(text[start : text.index("```", start)], encoding="utf-8")
    return script


def run_auditor(script: Path, file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter on our own file
        [sys.executable, str(script), str(file)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_documented_test_vectors_are_what_the_recorder_computes() -> None:
    oid = UUID("00000000-0000-4000-8000-000000000001")
    first = event_hash(
        GENESIS_HASH,
        1,
        oid,
        1,
        "ticketing.aggregates.ticket:Ticket.Opened",
        b'{"a":1}',
        "2026-03-02T09:00:00.000000+00:00",
    )
    second = event_hash(
        first,
        2,
        oid,
        2,
        "ticketing.aggregates.ticket:Ticket.Routed",
        '{"queue":"réseau"}'.encode(),
        "2026-03-02T09:01:00.000000+00:00",
    )

    assert (first, second) == (VECTOR_1, VECTOR_2)
    doc = EVENT_LOG_DOC.read_text(encoding="utf-8")
    assert VECTOR_1 in doc
    assert VECTOR_2 in doc


def test_the_documented_auditor_script_accepts_an_intact_export(
    export_file: Path, tmp_path: Path
) -> None:
    result = run_auditor(auditor_script(tmp_path), export_file)

    assert (result.returncode, result.stdout.strip()) == (0, "OK: chain intact")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("edit", "line 6: content of position 5 altered"),
        ("drop", "line 6: broken link at position 6"),
        ("truncate", "the file does not end where its header says (truncated?)"),
    ],
)
def test_the_documented_auditor_script_names_tampering(
    export_file: Path, tmp_path: Path, change: str, message: str
) -> None:
    lines = export_file.read_bytes().splitlines(keepends=True)
    if change == "edit":
        event = json.loads(lines[5])
        event["state"]["agent_id"] = "mallory"
        lines[5] = dump_line(event)
    elif change == "drop":
        del lines[5]
    else:
        del lines[-2:]
    export_file.write_bytes(b"".join(lines))

    result = run_auditor(auditor_script(tmp_path), export_file)

    assert result.returncode == 1
    assert result.stdout.strip() == message


def test_every_exported_line_validates_against_the_schema(export_file: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    lines = [json.loads(raw) for raw in export_file.read_bytes().splitlines()]
    base64_line = {k: v for k, v in lines[1].items() if k != "state"}
    base64_line["state_base64"] = "e30="

    for line in [*lines, base64_line]:
        assert list(validator.iter_errors(line)) == []
    assert not validator.is_valid({**lines[1], "state_base64": "e30="})
    assert not validator.is_valid({k: v for k, v in lines[0].items() if k != "last"})
