"""Read-your-writes: run a query once its projection has reached a log position.

A command's response carries the position it produced; a query given
``min_position`` waits (bounded by ``max_wait_seconds``) until the active
generation's checkpoint is at or past it, then runs in the same read
transaction as the check. A position beyond the log's head cannot be waited
for (422); a projection still behind after the bound is 503.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.concurrency import run_in_threadpool

from ticketing.errors import InvalidCommandError
from ticketing.http.errors import ProjectionBehindError
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection

    from ticketing.http.state import ApiState
    from ticketing.projections.manage import ActiveView
    from ticketing.runtime import Runtime

T = TypeVar("T")


def _attempt(
    runtime: Runtime,
    key: str,
    min_position: int | None,
    query: Callable[[Connection, ActiveView], T],
) -> tuple[T] | tuple[None, int]:
    with read_transaction(runtime.engine) as conn:
        view = runtime.projections.active_view(conn, key)
        reached = view.generation.position
        if min_position is not None and reached < min_position:
            return (None, reached)
        return (query(conn, view),)


async def check_position(api: ApiState, min_position: int | None) -> None:
    """422 when ``min_position`` is beyond the log's head (reads of the log itself)."""
    if min_position is None:
        return
    head = await run_in_threadpool(api.runtime.projections.source.head)
    if min_position > head:
        raise InvalidCommandError.for_fields(
            {"min_position": f"{min_position} is beyond the log head ({head})"}
        )


async def read_projection(
    api: ApiState,
    key: str,
    min_position: int | None,
    query: Callable[[Connection, ActiveView], T],
) -> T:
    """``query`` on projection ``key`` once it has reached ``min_position``."""
    deadline = time.monotonic() + api.config.max_wait_seconds
    head_checked = False
    while True:
        outcome: tuple[Any, ...] = await run_in_threadpool(
            _attempt, api.runtime, key, min_position, query
        )
        if len(outcome) == 1:
            result: T = outcome[0]
            return result
        if not head_checked:
            await check_position(api, min_position)
            head_checked = True
        if time.monotonic() >= deadline:
            raise ProjectionBehindError(
                f"projection {key} is at position {outcome[1]}, "
                f"not yet {min_position}; retry shortly",
                {
                    "projection": key,
                    "position": outcome[1],
                    "min_position": min_position,
                },
                headers={"Retry-After": "1"},
            )
        await asyncio.sleep(api.config.wait_poll_seconds)
