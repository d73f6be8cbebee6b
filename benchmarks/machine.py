"""What the figures were measured on: CPU, cores, memory, OS, versions, load.

Ratios to the raw driver are taken in the same run, so they travel better than
absolute rates; the header still says where the absolute rates come from.
"""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def postgres_version(url: str) -> str | None:
    """``server_version`` of the PostgreSQL server at ``url`` (None if unreachable)."""
    engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return str(conn.execute(sqlalchemy.text("SHOW server_version")).scalar())
    except sqlalchemy.exc.OperationalError:
        return None
    finally:
        engine.dispose()


def describe(pg_url: str | None) -> dict[str, Any]:
    """The machine and software this run measures, plus the load when it started."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb() or 0, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(pg_url) if pg_url else None,
        "sqlalchemy": sqlalchemy.__version__,
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def one_line(machine: dict[str, Any]) -> str:
    pg = machine.get("postgresql") or "not reachable"
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB RAM, "
        f"{machine['os']}, Python {machine['python']}, SQLite {machine['sqlite']}, "
        f"PostgreSQL {pg} (same host), SQLAlchemy {machine['sqlalchemy']}"
    )
