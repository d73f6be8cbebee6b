"""The ``ticketing`` console script: thin commands over the runtime.

Each area registers its commands from its own module. Exit codes: 0 success,
1 a check found a problem, 2 bad usage or input.
"""

from __future__ import annotations

from ticketing.cli import history as _history  # noqa: F401 - registers commands
from ticketing.cli import projections as _projections  # noqa: F401
from ticketing.cli import sla as _sla  # noqa: F401
from ticketing.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
