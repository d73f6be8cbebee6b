"""Fewer garbage-collector passes while a batch job churns through the log.

Decoding allocates a few dicts and objects per event, which makes CPython's
cyclic collector run every 700 allocations and, every hundred of those runs, a
full pass over every object of the process (SQLAlchemy's and the library's
included). Measured on a 100k-event rebuild: read + decode 67k -> 89k events/s,
queue view rebuild 42k -> 51k events/s (CPU time), with the collector merely
paced (``docs/performance.md``). Nothing is disabled: reference counting frees
the events as before, and cycles are still collected, less often.

The thresholds are process-wide, so overlapping users (runner threads next to
a rebuild) share one setting: the first to enter sets it, the last to leave
restores what was there before.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Young collections every 20,000 net allocations instead of 700; full
#: collections 50x rarer.
BATCH_THRESHOLDS: Final = (20_000, 10, 500)

_lock = threading.Lock()
_users = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def paced_gc() -> Iterator[None]:
    """Run the body with the collector paced for bulk work (see module doc)."""
    global _users, _saved  # noqa: PLW0603 - one process-wide setting, counted
    with _lock:
        if _users == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*BATCH_THRESHOLDS)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                gc.set_threshold(*_saved)
