"""The README's two quickstart commands and `.ci/run` stay in step."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```sh\n(.+?)\n```", re.DOTALL)


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in BLOCK.findall(quickstart)][:2]


def test_ci_runs_the_readme_test_command() -> None:
    # given the README's second quickstart command (install + whole suite)
    _, test_command = quickstart_commands()
    # when CI's script is read
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    # then it runs that very command (pip may be quiet there), then pytest
    assert test_command in [line.replace(" -q ", " ") for line in ci]
    assert '".[test]"' in test_command
    assert test_command.endswith(".venv/bin/pytest")


def test_the_run_command_installs_demos_and_serves() -> None:
    run_command, _ = quickstart_commands()
    assert run_command.startswith("python3 -m venv .venv && .venv/bin/pip install -e .")
    assert "ticketing demo" in run_command
    assert run_command.endswith(".venv/bin/ticketing serve")
