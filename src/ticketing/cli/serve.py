"""CLI: ``ticketing serve`` runs the HTTP API under uvicorn (docs/operations.md).

The schema (tables, token table, first projection generations) is created
once here, before any worker starts; each worker then builds its own runtime
from the environment (``ticketing.http.app:app_from_env``).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from ticketing.cli.app import STATE, app, fail, open_runtime
from ticketing.http.config import ENV_AUTOMATION, ENV_PROJECTIONS
from ticketing.http.tokens import TokenStore

APP_FACTORY = "ticketing.http.app:app_from_env"
#: How long uvicorn waits for a worker's health answer before replacing it.
WORKER_HEALTHCHECK_SECONDS = 60


@app.command("serve")
def serve(  # noqa: PLR0917 - typer options
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    with_projections: Annotated[
        bool | None,
        typer.Option(
            "--with-projections/--without-projections",
            help="Run projection runners in the workers "
            "(default: yes on SQLite, no on PostgreSQL).",
        ),
    ] = None,
    with_automation: Annotated[
        bool | None,
        typer.Option(
            "--with-automation/--without-automation",
            help="Run rules automation and SLA escalation in the workers "
            "(default: yes on SQLite, no on PostgreSQL).",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API; on SQLite the projections run in-process too."""
    settings = STATE.settings()
    if settings.db_url in ("sqlite://", "sqlite:///:memory:"):
        raise fail("an in-memory database cannot be shared by a server; use a file")
    run_projections = (
        settings.is_sqlite if with_projections is None else with_projections
    )
    with open_runtime() as runtime:
        TokenStore(runtime.engine).ensure_schema()
        runtime.projections.ensure_all_active()
    os.environ["TICKETING_DB_URL"] = settings.db_url
    os.environ[ENV_PROJECTIONS] = "1" if run_projections else "0"
    automate = settings.is_sqlite if with_automation is None else with_automation
    os.environ[ENV_AUTOMATION] = "1" if automate else "0"
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        timeout_graceful_shutdown=10,
        # uvicorn kills a worker that does not answer its ping within 5 s by
        # default; a worker still importing and opening its runtime on a busy
        # machine (CPU shared with other jobs) was killed and restarted forever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
