"""Fresh, throw-away databases for one measure: a SQLite file or a PostgreSQL schema.

Nothing a benchmark writes survives it: the SQLite directory is removed and the
PostgreSQL schema dropped, even when the measure fails.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import sqlalchemy

if TYPE_CHECKING:
    from collections.abc import Iterator

BACKENDS = ("sqlite", "postgres")


@contextmanager
def fresh_database(backend: str, work_dir: Path, pg_url: str) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database on ``backend``, removed afterwards."""
    if backend == "sqlite":
        work_dir.mkdir(parents=True, exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix="bench-", dir=work_dir))
        try:
            yield f"sqlite:///{directory / 'bench.db'}"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_url else "?"
    try:
        yield f"{pg_url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
