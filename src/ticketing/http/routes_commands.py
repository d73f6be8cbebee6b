"""POST endpoints, one per command: parse, authorize, execute, render the result.

Headers: ``Idempotency-Key`` becomes the command id (a retry returns the
first response, marked ``Idempotent-Replayed: true``, and adds no events);
``If-Match: "<version>"`` becomes the expected version (412 when stale);
``X-Correlation-Id`` is recorded in the envelope. The actor is always the
authenticated principal.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from ticketing.commands import messages as m
from ticketing.commands.parsing import parse_command
from ticketing.commands.service import CommandContext
from ticketing.errors import InvalidCommandError, TicketingError, TicketNotFoundError
from ticketing.http.commandmap import (
    HEADER_FIELDS,
    OPEN_ROUTE,
    TICKET_COMMAND_ROUTES,
    CommandRoute,
    refused_fields,
)
from ticketing.http.errors import MalformedRequestError
from ticketing.http.payloads import (
    etag,
    header_name,
    parse_if_match,
    read_json_object,
)
from ticketing.http.routing import Param, RouteSpec
from ticketing.http.schemas_base import NAME
from ticketing.http.scopes import check_command, needs_ticket
from ticketing.queries.tickets import ticket_id_for

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.commands.service import CommandResult, TicketService
    from ticketing.http.auth import Principal
    from ticketing.http.routing import Call
    from ticketing.http.state import ApiState

REF = Param("ref", "path", {"type": "string"}, True, "Ticket number or id")
IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    "header",
    NAME,
    description="Becomes the command id: a retry returns the first response.",
)
IF_MATCH = Param(
    "If-Match",
    "header",
    {"type": "string"},
    description='The ticket version the change is based on, e.g. "3" (412 if stale).',
)
CORRELATION = Param(
    "X-Correlation-Id",
    "header",
    NAME,
    description="Recorded in the envelope of every event of this command.",
)


def _parse(name: str, args: dict[str, Any]) -> m.Command:
    """The command, with problems of header-supplied fields named by header."""
    try:
        return parse_command(name, args)
    except InvalidCommandError as exc:
        fields = exc.details.get("fields", {})
        renamed = {HEADER_FIELDS.get(k, k): v for k, v in fields.items()}
        raise InvalidCommandError.for_fields(renamed) from None


def _resolve_target(service: TicketService, value: object) -> object:
    """A link target given by number or id -> its id (422 when there is none)."""
    if not isinstance(value, str):
        return value  # the parser reports the type
    try:
        return service.resolve_ref(ticket_id_for(service, value).hex)
    except TicketNotFoundError:
        raise InvalidCommandError.for_fields(
            {"target_id": f"no ticket {value[:64]!r}"}
        ) from None


def result_json(command: m.Command, result: CommandResult) -> dict[str, Any]:
    return {
        "command_id": result.command_id,
        "command": command.name,
        "ticket_id": str(result.ticket_id),
        "number": result.number,
        "version": result.version,
        "position": result.position,
        "events": result.events,
    }


async def _build(call: Call, route: CommandRoute, ref: str | None) -> m.Command:
    request, principal = call.request, call.principal
    service = call.api.runtime.service
    body = await read_json_object(request, call.api.config.max_body_bytes)
    refused = refused_fields(route.command, body)
    if refused:
        raise InvalidCommandError.for_fields(refused)
    args: dict[str, Any] = dict(body)
    key = header_name(request, "Idempotency-Key")
    args["command_id"] = key or m.new_command_id()
    version = parse_if_match(request.headers.get("if-match"))
    if ref is None:
        if version is not None:
            raise MalformedRequestError(
                "If-Match does not apply to opening a ticket", {"header": "If-Match"}
            )
        if principal.is_requester:
            args.setdefault("requester_id", principal.id)
    else:
        args["ticket_id"] = await call.api.refs.aresolve(ref)
        args["expected_version"] = version
    if "target_id" in args:
        args["target_id"] = await call.blocking(
            _resolve_target, service, args["target_id"]
        )
    return _parse(route.command, args)


async def execute_as(
    api: ApiState,
    principal: Principal,
    command: m.Command,
    correlation: str | None = None,
) -> CommandResult:
    """Check ``principal``'s scope rules, then execute ``command`` as them.

    Every client of the command service over HTTP (the JSON API and the web
    console) goes through here, so the scope rules cannot differ between them.
    """
    service = api.runtime.service
    ticket = None
    if needs_ticket(principal, command) and isinstance(command, m.TicketCommand):
        ticket = await run_in_threadpool(service.load, command.ticket_id)
    check_command(principal, command, ticket)
    moving = isinstance(command, m.RouteTicket | m.AssignTicket)
    if ticket is not None and moving and command.expected_version is None:
        # the group check above read this version: a concurrent move -> 409
        command = dataclasses.replace(command, expected_version=ticket.version)
    ctx = CommandContext(actor=principal.actor, correlation_id=correlation)
    try:
        result = await run_in_threadpool(service.execute, command, ctx)
    except TicketingError as exc:
        api.metrics.observe_command(command.name, exc.code)
        raise
    outcome = "replayed" if result.replayed else "accepted"
    api.metrics.observe_command(command.name, outcome)
    return result


async def _execute(call: Call, route: CommandRoute, ref: str | None) -> Response:
    correlation = header_name(call.request, "X-Correlation-Id")
    command = await _build(call, route, ref)
    result = await execute_as(call.api, call.principal, command, correlation)
    headers = {"ETag": etag(result.version)}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    status = 200
    if isinstance(command, m.OpenTicket):
        status = 201
        headers["Location"] = f"/tickets/{result.number}"
    return JSONResponse(
        result_json(command, result), status_code=status, headers=headers
    )


def _handler(route: CommandRoute) -> Any:
    async def handle(call: Call) -> Response:
        ref = call.request.path_params.get("ref")
        return await _execute(call, route, None if ref is None else str(ref))

    return handle


def _spec(route: CommandRoute) -> RouteSpec:
    is_open = route is OPEN_ROUTE
    params = (
        (IDEMPOTENCY_KEY, CORRELATION)
        if is_open
        else (REF, IDEMPOTENCY_KEY, IF_MATCH, CORRELATION)
    )
    return RouteSpec(
        method="POST",
        path="/tickets" if is_open else f"/tickets/{{ref}}/{route.verb}",
        operation_id=route.command,
        summary=route.summary,
        tag="commands",
        handler=_handler(route),
        action=route.action,
        params=params,
        body=f"{route.command}_body",
        status=201 if is_open else 200,
        response="CommandAccepted",
        response_headers=(
            ("ETag", "Location", "Idempotent-Replayed")
            if is_open
            else ("ETag", "Idempotent-Replayed")
        ),
        errors=(409,) if is_open else (409, 412),
        description=f"Issues the `{route.command}` command.",
    )


ROUTES: list[RouteSpec] = [
    _spec(OPEN_ROUTE),
    *(_spec(r) for r in TICKET_COMMAND_ROUTES),
]
