"""verify-projection: rebuild into scratch space and compare with the live view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.projections.digest import Digest, RowDifference, first_differences
from ticketing.projections.manage import build_scratch
from ticketing.store.datastore import snapshot_transaction

if TYPE_CHECKING:
    from ticketing.projections.base import Projection
    from ticketing.projections.manage import ProjectionHost


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Live vs rebuilt digest at the live checkpoint, and the first differing rows."""

    key: str
    position: int
    live: Digest
    rebuilt: Digest
    differences: list[RowDifference]

    @property
    def matches(self) -> bool:
        return self.live.sha256 == self.rebuilt.sha256

    def as_json(self) -> dict[str, Any]:
        return {
            "projection": self.key,
            "position": self.position,
            "matches": self.matches,
            "live": self.live.as_json(),
            "rebuilt": self.rebuilt.as_json(),
            "differences": [
                {"table": d.table, "key": d.key, "live": d.live, "rebuilt": d.rebuilt}
                for d in self.differences
            ],
        }


def verify_projection(
    host: ProjectionHost, projection: Projection[Any]
) -> VerifyResult:
    """Compare the active generation with a fresh build up to the same position."""
    position, live = host.live_digest(projection)
    scratch = build_scratch(host.source, projection, stop=position)
    try:
        rebuilt = scratch.digest()
        differences: list[RowDifference] = []
        if rebuilt.sha256 != live.sha256:
            with (
                snapshot_transaction(host.engine) as conn,
                scratch.engine.connect() as s,
            ):
                view = host.active_view(conn, projection.key)
                differences = first_differences(
                    (
                        conn,
                        projection.digest_tables(view.tables),
                        view.generation.table_prefix,
                    ),
                    (s, projection.digest_tables(scratch.tables), scratch.prefix),
                )
        return VerifyResult(projection.key, position, live, rebuilt, differences)
    finally:
        scratch.close()
