"""The ``ticketing`` console script: thin commands over the runtime.

Each area registers its commands from its own module. Exit codes: 0 success,
1 a check found a problem, 2 bad usage or input.
"""

from __future__ import annotations

from ticketing.cli import audit as _audit  # noqa: F401 - registers commands
from ticketing.cli import demo as _demo  # noqa: F401
from ticketing.cli import history as _history  # noqa: F401
from ticketing.cli import imports as _imports  # noqa: F401
from ticketing.cli import projections as _projections  # noqa: F401
from ticketing.cli import queues as _queues  # noqa: F401
from ticketing.cli import rules as _rules  # noqa: F401 - also agents, groups
from ticketing.cli import serve as _serve  # noqa: F401
from ticketing.cli import sla as _sla  # noqa: F401
from ticketing.cli import tokens as _tokens  # noqa: F401
from ticketing.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
