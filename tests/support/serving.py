"""A real `ticketing serve` process for tests: a free loopback port, readiness."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import subprocess


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(
    proc: subprocess.Popen[bytes], base: str, seconds: float
) -> None:
    """Poll ``base``/health until it answers 200; fail if the server exits or lags."""
    deadline = time.monotonic() + seconds
    while True:
        assert proc.poll() is None, "the server exited during start-up"
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.2)
