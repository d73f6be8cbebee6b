"""SLA policy versions: what-if of a candidate, the activation history, activation.

A candidate is sent the way the policy files are written: the TOML text of
the policy (``policy``) and, optionally, the calendars it counts in by
version (``calendars``; the published ones fill in the rest), or the name of
a version that is published or was activated (``version``). It is checked
completely before anything runs; a bad one is 422 naming the file and field.
What-if never writes (``ticketing.sla.whatif``); activation records
``ActivatePolicy`` with the caller as actor, like ``ticketing sla activate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from starlette.responses import JSONResponse

from ticketing.commands.admin_messages import ActivatePolicy
from ticketing.commands.service import CommandContext
from ticketing.errors import InvalidCommandError, PolicyError
from ticketing.http.bodies import BodyFields
from ticketing.http.consistency import read_projection
from ticketing.http.payloads import MAX_POSITION, read_json_object
from ticketing.http.routes_sla import SLA_MIN_POSITION
from ticketing.http.routing import RouteSpec
from ticketing.queries.sla import DIMENSIONS, PERIODS
from ticketing.sla.policies import list_policies, resolve_version
from ticketing.sla.projection import SLA_KEY
from ticketing.sla.validate import SLA_KIND, parse_policy_text
from ticketing.sla.whatif import run_whatif

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.http.routing import Call
    from ticketing.runtime import Runtime
    from ticketing.sla.validate import SlaBundle

MAX_CALENDARS: Final = 16
MAX_FLIPS: Final = 10_000
WHATIF_FIELDS: Final = ("policy", "calendars", "version", "by", "period", "limit")
ACTIVATE_FIELDS: Final = ("policy", "calendars", "effective_from")


def policy_error(exc: PolicyError, field: str) -> PolicyError:
    """``exc`` with ``details.fields`` naming the body field and the problem."""
    details = exc.details
    where = str(details.get("field", "")) or "(file)"
    source = str(details.get("file", field))
    key = source if source.startswith(("calendars.", field)) else field
    fields = {f"{key}.{where}" if where != "(file)" else key: str(details["reason"])}
    exc.details = {**details, "fields": fields}
    return exc


def _candidate(runtime: Runtime, body: BodyFields, *, by_name: bool) -> SlaBundle:
    """The policy of the body, parsed (422 for every problem, named)."""
    text = body.text("policy")
    calendars = body.texts("calendars", MAX_CALENDARS)
    version = body.name("version") if by_name else None
    if by_name and (text is None) == (version is None):
        reason = "give exactly one of policy (TOML text) or version"
        body.problems.setdefault("policy", reason)
    elif not by_name and text is None:
        body.problems.setdefault("policy", "is required (the policy's TOML text)")
    if version is not None and calendars:
        body.problems["calendars"] = "only with policy (a version has its own)"
    return _parsed(runtime, body, text, calendars, version)


def _parsed(
    runtime: Runtime,
    body: BodyFields,
    text: str | None,
    calendars: dict[str, str],
    version: str | None,
) -> SlaBundle:
    body.done()
    try:
        if version is not None:
            return resolve_version(runtime.projections, version)
        if text is None:  # pragma: no cover - checked by the caller
            msg = "no policy text"
            raise InvalidCommandError.for_fields({"policy": msg})
        return parse_policy_text(text, calendars)
    except PolicyError as exc:
        raise policy_error(exc, "version" if version else "policy") from None


async def sla_whatif(call: Call) -> Response:
    q = call.query()
    min_position = q.integer("min_position", 0, MAX_POSITION)
    q.done()
    raw = await read_json_object(call.request, call.api.config.max_body_bytes)
    body = BodyFields(raw, WHATIF_FIELDS)
    by = body.choices("by", DIMENSIONS) or ("all", "priority")
    period = body.choice("period", PERIODS) or "month"
    limit = body.integer("limit", 0, MAX_FLIPS)
    runtime = call.api.runtime
    bundle = await call.blocking(_candidate, runtime, body, by_name=True)
    await read_projection(call.api, SLA_KEY, min_position, lambda _c, _v: None)
    result = await call.blocking(
        run_whatif, runtime.projections, bundle, runtime.clock.now(), by, period
    )
    data = result.as_json()
    shown = 100 if limit is None else limit
    data["flips_total"] = len(data["flips"])
    data["flips"] = data["flips"][:shown]
    data["period"] = period
    data["by"] = list(by)
    return JSONResponse(data)


async def list_sla_policies(call: Call) -> Response:
    call.query().done()
    runtime = call.api.runtime
    listing = await call.blocking(
        list_policies, runtime.projections, runtime.clock.now()
    )
    return JSONResponse(listing.as_json())


def _activate(runtime: Runtime, call: Call, body: BodyFields) -> dict[str, Any]:
    """Check, record, and answer with the activation as the log now has it."""
    effective_from = body.instant("effective_from")
    bundle = _candidate(runtime, body, by_name=False)
    command = ActivatePolicy(
        kind=SLA_KIND, documents=dict(bundle.documents), effective_from=effective_from
    )
    result = runtime.service.execute(
        command, CommandContext(actor=call.principal.actor)
    )
    listing = list_policies(runtime.projections, runtime.clock.now()).as_json()
    recorded = next(
        a for a in listing["activations"] if a["position"] == result.position
    )
    return {**recorded, "in_force": listing["in_force"]}


async def activate_sla_policy(call: Call) -> Response:
    call.query().done()
    raw = await read_json_object(call.request, call.api.config.max_body_bytes)
    body = BodyFields(raw, ACTIVATE_FIELDS)
    data = await call.blocking(_activate, call.api.runtime, call, body)
    return JSONResponse(data, status_code=201)


ROUTES: list[RouteSpec] = [
    RouteSpec(
        "POST",
        "/sla/whatif",
        "run_sla_whatif",
        "A candidate SLA policy beside the live one: figures old vs new, flips",
        "sla",
        sla_whatif,
        "sla.whatif",
        params=(SLA_MIN_POSITION,),
        body="SlaWhatIfRequest",
        response="SlaWhatIf",
        errors=(503,),
        description="The candidate judges every ticket in a throw-away copy "
        "built from the log up to the live projection's checkpoint; nothing "
        "is written and no command is issued. `flips` lists the clocks whose "
        "outcome differs (first `limit`, default 100; `flips_total` counts all).",
    ),
    RouteSpec(
        "GET",
        "/sla/policies",
        "list_sla_policies",
        "SLA policy activations (who, when, effective from) and the one in force",
        "sla",
        list_sla_policies,
        "policy.read",
        response="SlaPolicies",
    ),
    RouteSpec(
        "POST",
        "/sla/policies",
        "activate_sla_policy",
        "Record a new SLA policy version (checked first; 422 names the problem)",
        "sla",
        activate_sla_policy,
        "policy.manage",
        body="SlaPolicyRequest",
        status=201,
        response="SlaPolicyActivated",
        errors=(409,),
        description="The policy text and the calendars it counts in are "
        "stored in the log with the activation; tickets opened from "
        "`effective_from` (default now) on are judged by it.",
    ),
]
