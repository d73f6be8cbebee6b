"""The example in docs/command-scripts.md is a working script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from jsonschema import Draft202012Validator

from ticketing.commands.script_runner import run_script_lines
from ticketing.commands.script_schema import script_schema

if TYPE_CHECKING:
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration
DOC = Path(__file__).resolve().parents[2] / "docs" / "command-scripts.md"


def test_the_documented_example_imports(sqlite_runtime: Runtime) -> None:
    example = DOC.read_text().split("```json\n")[1].split("```")[0].splitlines()
    validator = Draft202012Validator(script_schema())

    report = run_script_lines(sqlite_runtime.service, example)

    assert report.ok, report.as_dict()
    assert report.count("imported") == 2
    for text in example:
        validator.validate(json.loads(text))
