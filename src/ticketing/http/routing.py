"""Route metadata, in one place: what Starlette serves and what OpenAPI documents.

Every endpoint is declared as a ``RouteSpec``. ``to_route`` wraps its handler
so that authentication (401), the role check (403) and the refusal of unknown
query parameters (422) happen before any handler code runs; openapi.py builds
the document from the same specs, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from ticketing.http.auth import Principal, authorize, bearer_token, invalid_token
from ticketing.http.payloads import QueryArgs

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request
    from starlette.responses import Response

    from ticketing.http.state import ApiState

ROUTE_KEY: Final = "ticketing.route"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Param:
    """A documented parameter (query, path or header)."""

    name: str
    where: Literal["query", "path", "header"]
    schema: dict[str, Any]
    required: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """One operation: path, method, handler, permission and documentation."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    handler: Callable[[Call], Awaitable[Response]]
    #: The action the caller's role must grant; None for public routes.
    action: str | None
    params: tuple[Param, ...] = ()
    #: Component schema of the JSON request body, if the route takes one.
    body: str | None = None
    status: int = 200
    #: Component schema of the success body (None: ``media_type`` text).
    response: str | None = None
    media_type: str = "application/json"
    response_headers: tuple[str, ...] = ()
    #: Error statuses beyond those implied by auth, body and parameters.
    errors: tuple[int, ...] = ()
    description: str = ""

    @property
    def query_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params if p.where == "query")

    def error_statuses(self) -> list[int]:
        implied = {422, *self.errors}  # unknown query parameters, always
        if self.action is not None:
            implied |= {401, 403}
        if self.body is not None:
            implied |= {400, 413, 415}
        if "{ref}" in self.path:
            implied.add(404)
        return sorted(implied)

    def to_route(self) -> Route:
        spec = self

        async def endpoint(request: Request) -> Response:
            request.scope[ROUTE_KEY] = spec.path
            api: ApiState = request.app.state.api
            principal = None
            if spec.action is not None:
                principal = await authenticate(api, request)
                authorize(principal, spec.action)
            query = QueryArgs(request, spec.query_names)
            if not spec.query_names:
                query.done()  # else the handler reports them with its own
            return await spec.handler(Call(request, api, principal, spec, query))

        return Route(self.path, endpoint, methods=[self.method], name=self.operation_id)


async def authenticate(api: ApiState, request: Request) -> Principal:
    """The principal of the request's bearer token, or 401."""
    token = bearer_token(request.headers.get("authorization"))
    record = await run_in_threadpool(
        api.tokens.verify, token, api.runtime.projections.clock.now()
    )
    if record is None:
        raise invalid_token()
    return record.principal


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler gets: the request, the process state and the caller."""

    request: Request
    api: ApiState
    caller: Principal | None
    spec: RouteSpec
    args: QueryArgs

    @property
    def principal(self) -> Principal:
        if self.caller is None:  # pragma: no cover - public routes never ask
            msg = f"{self.spec.operation_id} is public; there is no principal"
            raise RuntimeError(msg)
        return self.caller

    def query(self) -> QueryArgs:
        """The query parameters (unknown ones already noted as problems)."""
        return self.args

    async def blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking library code (service, queries) in the thread pool."""
        return await run_in_threadpool(fn, *args, **kwargs)
