"""verify-projection: rebuild into scratch space and compare with the live view."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.projections.digest import Digest, RowDifference, first_differences
from ticketing.projections.manage import build_scratch
from ticketing.store.datastore import snapshot_transaction

logger = logging.getLogger(__name__)

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
    #: The aggregate tables (out of the digest) are equal row for row.
    aggregates_match: bool = True

    @property
    def matches(self) -> bool:
        return self.live.sha256 == self.rebuilt.sha256 and self.aggregates_match

    def as_json(self) -> dict[str, Any]:
        return {
            "projection": self.key,
            "position": self.position,
            "matches": self.matches,
            "aggregates_match": self.aggregates_match,
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
        with (
            snapshot_transaction(host.engine) as conn,
            scratch.engine.connect() as s,
        ):
            view = host.active_view(conn, projection.key)
            prefix = view.generation.table_prefix
            if rebuilt.sha256 != live.sha256:
                differences = first_differences(
                    (conn, projection.digest_tables(view.tables), prefix),
                    (s, projection.digest_tables(scratch.tables), scratch.prefix),
                )
            # the aggregates (small) are compared whole, if the live
            # generation is still at the checkpoint the scratch was built to
            odd: list[RowDifference] = []
            if view.generation.position == position:
                odd = first_differences(
                    (conn, projection.aggregate_tables(view.tables), prefix),
                    (s, projection.aggregate_tables(scratch.tables), scratch.prefix),
                )
            else:
                logger.info("%s moved on: aggregates not compared", projection.key)
        return VerifyResult(
            projection.key, position, live, rebuilt, differences + odd, not odd
        )
    finally:
        scratch.close()
