"""Real databases for integration tests: SQLite files and fresh PostgreSQL schemas.

PostgreSQL comes from ``TICKETING_TEST_PG_URL`` (default: the local server on
127.0.0.1:5432, database ``test``). Each test gets its own schema, selected
through ``search_path`` in the URL, and dropped afterwards. When PostgreSQL is
unreachable the test skips with the reason, unless ``TICKETING_REQUIRE_PG=1``
(CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from functools import cache
from typing import Final
from urllib.parse import quote

import pytest
import sqlalchemy
from sqlalchemy.exc import OperationalError

DEFAULT_PG_URL: Final = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str:
    url = os.environ.get("TICKETING_TEST_PG_URL") or DEFAULT_PG_URL
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def pg_required() -> bool:
    return os.environ.get("TICKETING_REQUIRE_PG", "") not in ("", "0")


@cache
def pg_unreachable_reason() -> str | None:
    engine = sqlalchemy.create_engine(
        pg_base_url(), connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("select 1"))
    except OperationalError as exc:
        return f"PostgreSQL unreachable at {pg_base_url()}: {exc.orig}"
    finally:
        engine.dispose()
    return None


def require_pg() -> None:
    reason = pg_unreachable_reason()
    if reason is None:
        return
    if pg_required():
        pytest.fail(f"TICKETING_REQUIRE_PG=1 but {reason}")
    pytest.skip(reason)


def with_search_path(base_url: str, schema: str) -> str:
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options={quote(f'-csearch_path={schema}')}"


def create_pg_schema() -> tuple[str, str]:
    """A fresh schema; returns (schema, url whose search_path points at it)."""
    require_pg()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = sqlalchemy.create_engine(pg_base_url())
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema, with_search_path(pg_base_url(), schema)


def drop_pg_schema(schema: str) -> None:
    engine = sqlalchemy.create_engine(pg_base_url())
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
