"""What every measure gets: the plan (sizes), where to put files, the PG URL, a log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from benchmarks.plan import Plan


@dataclass(frozen=True, slots=True)
class Context:
    plan: Plan
    work_dir: Path
    pg_url: str
    say: Callable[[str], None]  # one line of progress for the live display
