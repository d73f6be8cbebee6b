"""Token administration (admin role): list, create (secret shown once), revoke."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.responses import JSONResponse

from ticketing.errors import InvalidCommandError
from ticketing.http.payloads import read_json_object
from ticketing.http.routing import Param, RouteSpec
from ticketing.http.tokens import validate_new_token

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.http.routing import Call

TOKEN_REF: Final = Param(
    "token", "path", {"type": "string"}, True, "Token id or its public prefix"
)


async def list_tokens(call: Call) -> Response:
    q = call.query()
    include_revoked = bool(q.boolean("include_revoked"))
    q.done()
    records = await call.blocking(
        call.api.tokens.list_tokens, include_revoked=include_revoked
    )
    return JSONResponse({"tokens": [r.as_json() for r in records]})


async def create_token(call: Call) -> Response:
    body = await read_json_object(call.request, call.api.config.max_body_bytes)
    problems = {k: "unknown field" for k in body if k not in ("name", "role")}
    try:
        validate_new_token(body.get("name"), body.get("role"))
    except InvalidCommandError as exc:
        problems.update(exc.details["fields"])
    if problems:
        raise InvalidCommandError.for_fields(problems)
    now = call.api.runtime.projections.clock.now()
    record, secret = await call.blocking(
        call.api.tokens.create, body.get("name"), body.get("role"), now
    )
    return JSONResponse(
        {**record.as_json(), "token": secret},
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


async def revoke_token(call: Call) -> Response:
    ref = str(call.request.path_params["token"])
    now = call.api.runtime.projections.clock.now()
    record = await call.blocking(call.api.tokens.revoke, ref, now)
    return JSONResponse(record.as_json())


ROUTES: list[RouteSpec] = [
    RouteSpec(
        "GET",
        "/tokens",
        "list_tokens",
        "API tokens (never their secrets)",
        "administration",
        list_tokens,
        "token.manage",
        params=(
            Param(
                "include_revoked",
                "query",
                {"type": "boolean"},
                description="Also list revoked tokens.",
            ),
        ),
        response="TokenList",
    ),
    RouteSpec(
        "POST",
        "/tokens",
        "create_token",
        "Create a token; the secret is in this response only",
        "administration",
        create_token,
        "token.manage",
        body="TokenRequest",
        status=201,
        response="TokenCreated",
    ),
    RouteSpec(
        "POST",
        "/tokens/{token}/revoke",
        "revoke_token",
        "Revoke a token (effective on the next request)",
        "administration",
        revoke_token,
        "token.manage",
        params=(TOKEN_REF,),
        response="Token",
        errors=(404,),
    ),
]
