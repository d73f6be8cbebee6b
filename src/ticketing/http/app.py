"""The Starlette application factory.

``create_app(runtime, run_projections=...)`` wires one process: the routes of
every area (each ``routes_*`` module exports ``ROUTES``), the error mapping,
the request middleware, and a lifespan that starts and stops the background
work (log watcher; projection runners when embedded). ``app_from_env`` is the
factory uvicorn workers call (``ticketing serve``): each builds its own
runtime from the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from ticketing.console.mount import console_mount
from ticketing.errors import TicketingError
from ticketing.http import (
    routes_commands,
    routes_ops,
    routes_queues,
    routes_rules,
    routes_sla,
    routes_sla_policies,
    routes_tickets,
    routes_tokens,
    sse,
)
from ticketing.http.automation import EmbeddedAutomation
from ticketing.http.config import HttpConfig, automation_flag, projections_flag
from ticketing.http.errors import handle_http_exception, handle_ticketing_error
from ticketing.http.middleware import RequestMiddleware
from ticketing.http.state import ApiState
from ticketing.http.tokens import TokenStore
from ticketing.http.watch import Background, LogWatcher, ProjectionThreads
from ticketing.runtime import build_runtime
from ticketing.settings import settings_from_env

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from ticketing.http.routing import RouteSpec
    from ticketing.runtime import Runtime

logger = logging.getLogger(__name__)

#: Every area's routes.
ROUTE_MODULES = (
    routes_commands,
    routes_tickets,
    routes_queues,
    routes_sla,
    routes_sla_policies,
    routes_rules,
    sse,
    routes_tokens,
    routes_ops,
)


def all_route_specs() -> list[RouteSpec]:
    return [spec for module in ROUTE_MODULES for spec in module.ROUTES]


def create_app(
    runtime: Runtime,
    *,
    run_projections: bool,
    config: HttpConfig | None = None,
    owns_runtime: bool = False,
    background: Sequence[Background] = (),
) -> Starlette:
    """The API over ``runtime``; ``run_projections`` runs the runners in-process.

    ``background`` adds services started with the app (e.g. the SLA scheduler).
    When ``owns_runtime`` the runtime is closed at shutdown.
    """
    tokens = TokenStore(runtime.engine)
    tokens.ensure_schema()
    runtime.projections.ensure_all_active()
    api = ApiState(
        runtime=runtime,
        tokens=tokens,
        config=config or HttpConfig.from_env(),
        run_projections=run_projections,
    )
    specs = all_route_specs()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        api.ticker.bind(asyncio.get_running_loop())
        services: list[Background] = [
            LogWatcher(runtime, api.ticker, api.config.watch_poll_seconds)
        ]
        if run_projections:
            services.append(ProjectionThreads(runtime))
        services.extend(background)
        for service in services:
            service.start()
        try:
            yield
        finally:
            for service in reversed(services):
                service.stop()
            api.ticker.unbind()
            if owns_runtime:
                runtime.close()

    app = Starlette(
        routes=[*(spec.to_route() for spec in specs), console_mount()],
        middleware=[Middleware(RequestMiddleware, metrics=api.metrics)],
        exception_handlers={
            TicketingError: handle_ticketing_error,
            HTTPException: handle_http_exception,
        },
        lifespan=lifespan,
    )
    app.state.api = api
    app.state.route_specs = specs
    return app


def app_from_env() -> Starlette:
    """uvicorn factory: settings from the environment, one runtime per worker.

    Projections run in the worker by default on SQLite (each projection's file
    lock lets one worker do the work) and not on PostgreSQL, where runners are
    separate processes; ``TICKETING_HTTP_PROJECTIONS=1|0`` overrides.
    """
    settings = settings_from_env()
    runtime = build_runtime(settings)
    run = projections_flag(default=settings.is_sqlite)
    automate = automation_flag(default=settings.is_sqlite)
    logger.info(
        "API worker on %s (in process: projections %s, automation %s)",
        runtime.engine.dialect.name,
        run,
        automate,
    )
    background: list[Background] = [EmbeddedAutomation(runtime)] if automate else []
    return create_app(
        runtime, run_projections=run, owns_runtime=True, background=background
    )
