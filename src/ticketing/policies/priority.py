"""Priority from impact x urgency through a versioned matrix."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

from ticketing.aggregates.vocabulary import PRIORITIES, Priority
from ticketing.errors import PolicyError

DATA_DIR: Final = Path(__file__).parent / "data" / "priority"
DEFAULT_MATRIX_VERSION: Final = "itil-3x3-v1"
LEVELS: Final = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class PriorityMatrix:
    """Maps (impact, urgency), each 1 (high) to 3 (low), to a priority P1..P5."""

    version: str
    cells: tuple[tuple[Priority, ...], ...]

    def priority_for(self, impact: int, urgency: int) -> Priority:
        """The priority of a ticket with this impact and urgency."""
        if impact not in LEVELS or urgency not in LEVELS:
            msg = f"impact and urgency must be 1-3, got {impact}, {urgency}"
            raise ValueError(msg)
        return self.cells[impact - 1][urgency - 1]


def parse_priority_matrix(raw: dict[str, Any], source: str) -> PriorityMatrix:
    """Validate a decoded matrix file; errors name the file and the field."""
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise PolicyError.at(source, "version", "a non-empty string is required")
    rows = raw.get("matrix")
    if not isinstance(rows, list) or len(rows) != len(LEVELS):
        raise PolicyError.at(source, "matrix", "3 rows (impact 1-3) are required")
    cells: list[tuple[Priority, ...]] = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(LEVELS):
            raise PolicyError.at(source, f"matrix[{i}]", "3 columns are required")
        for j, cell in enumerate(row, start=1):
            if cell not in PRIORITIES:
                reason = f"{cell!r} is not one of {', '.join(PRIORITIES)}"
                raise PolicyError.at(source, f"matrix[{i}][{j}]", reason)
        cells.append(tuple(cast("list[Priority]", row)))
    return PriorityMatrix(version=version, cells=tuple(cells))


def load_priority_matrix(version: str = DEFAULT_MATRIX_VERSION) -> PriorityMatrix:
    """Load a published matrix version from the package data."""
    path = DATA_DIR / f"{version}.toml"
    if not path.is_file():
        raise PolicyError.at(str(path), "version", f"no priority matrix {version!r}")
    matrix = parse_priority_matrix(tomllib.loads(path.read_text()), str(path))
    if matrix.version != version:
        reason = f"file declares {matrix.version!r}, expected {version!r}"
        raise PolicyError.at(str(path), "version", reason)
    return matrix
