"""Prometheus metrics in the text exposition format, kept per worker process.

Request counts and latencies by route template (never the raw path, so the
label set stays bounded), commands by outcome, open event streams, and at
scrape time the projections' lag and heartbeat age read from the registry.
Each worker counts its own requests; series carry a ``worker`` (pid) label.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ticketing.queries.status import ProjectionStatus

BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + inner + "}"


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0
    n: int = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.n += 1


class Metrics:
    """Thread-safe counters of one worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self._latency: dict[tuple[str, str], _Histogram] = defaultdict(_Histogram)
        self._commands: dict[tuple[str, str], int] = defaultdict(int)
        self._streams = 0
        self.worker = str(os.getpid())

    def observe_request(
        self, method: str, route: str, status: int, seconds: float
    ) -> None:
        with self._lock:
            self._requests[(method, route, str(status))] += 1
            self._latency[(method, route)].observe(seconds)

    def observe_command(self, command: str, outcome: str) -> None:
        with self._lock:
            self._commands[(command, outcome)] += 1

    def stream_opened(self) -> None:
        with self._lock:
            self._streams += 1

    def stream_closed(self) -> None:
        with self._lock:
            self._streams -= 1

    def render(self, projections: list[ProjectionStatus]) -> str:
        w = self.worker
        out: list[str] = []
        with self._lock:
            out += [
                "# HELP ticketing_http_requests_total Requests by route and status.",
                "# TYPE ticketing_http_requests_total counter",
            ]
            for (method, route, status), n in sorted(self._requests.items()):
                labels = _labels(method=method, route=route, status=status, worker=w)
                out.append(f"ticketing_http_requests_total{labels} {n}")
            out += [
                "# HELP ticketing_http_request_duration_seconds Request latency.",
                "# TYPE ticketing_http_request_duration_seconds histogram",
            ]
            for (method, route), h in sorted(self._latency.items()):
                out += _histogram_lines(method, route, w, h)
            out += [
                "# HELP ticketing_commands_total Commands by outcome.",
                "# TYPE ticketing_commands_total counter",
            ]
            for (command, outcome), n in sorted(self._commands.items()):
                labels = _labels(command=command, outcome=outcome, worker=w)
                out.append(f"ticketing_commands_total{labels} {n}")
            out += [
                "# HELP ticketing_sse_streams Open event streams.",
                "# TYPE ticketing_sse_streams gauge",
                f"ticketing_sse_streams{_labels(worker=w)} {self._streams}",
            ]
        out += _projection_lines(projections)
        return "\n".join(out) + "\n"


def _histogram_lines(method: str, route: str, worker: str, h: _Histogram) -> list[str]:
    name = "ticketing_http_request_duration_seconds"
    lines: list[str] = []
    cumulative = 0
    for bound, count in zip((*BUCKETS, float("inf")), h.counts, strict=True):
        cumulative += count
        le = "+Inf" if bound == float("inf") else repr(bound)
        labels = _labels(method=method, route=route, worker=worker, le=le)
        lines.append(f"{name}_bucket{labels} {cumulative}")
    labels = _labels(method=method, route=route, worker=worker)
    lines.append(f"{name}_sum{labels} {h.total:.6f}")
    lines.append(f"{name}_count{labels} {h.n}")
    return lines


_GAUGES: Final = (
    ("ticketing_projection_lag_events", "Events not yet applied.", "lag_events"),
    ("ticketing_projection_lag_seconds", "Age of the oldest pending event.", "lag"),
    ("ticketing_projection_checkpoint", "Last applied log position.", "checkpoint"),
    (
        "ticketing_projection_heartbeat_age_seconds",
        "Since the runner's heartbeat.",
        "hb",
    ),
)


def _projection_lines(projections: list[ProjectionStatus]) -> list[str]:
    lines: list[str] = []
    head = max((p.head for p in projections), default=0)
    lines += [
        "# HELP ticketing_log_head Last position in the event log.",
        "# TYPE ticketing_log_head gauge",
        f"ticketing_log_head {head}",
    ]
    for name, help_text, attr in _GAUGES:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        for p in projections:
            if p.status != "active":
                continue
            value = {
                "lag_events": float(p.lag_events),
                "lag": p.lag_seconds,
                "checkpoint": float(p.checkpoint),
                "hb": p.heartbeat_age_seconds,
            }[attr]
            if value is None:
                continue
            labels = _labels(projection=p.key, generation=str(p.generation))
            lines.append(f"{name}{labels} {value}")
    return lines
