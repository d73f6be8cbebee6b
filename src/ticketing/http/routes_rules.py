"""Rule sets: the version in force and its history, activation, preview, webhooks.

A rule set is sent as the TOML text of a rule file (``rules``). Activation
goes through ``ActivatePolicy(kind="rules")``, whose validator checks the
file against the directory in the log; a rejected file is 422 listing each
problem with its rule id, line, field and reason, and nothing is recorded.
Preview replays the log read-only (``ticketing.rules.preview``). Webhook
deliveries are the rules engine's outbox (``ticketing.rules.webhooks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from starlette.responses import JSONResponse

from ticketing.commands.admin_messages import ActivatePolicy
from ticketing.commands.service import CommandContext
from ticketing.errors import PolicyError
from ticketing.http.bodies import BodyFields
from ticketing.http.payloads import read_json_object
from ticketing.http.routing import Param, RouteSpec
from ticketing.rules.activations import RULES_KIND
from ticketing.rules.history import activation_history
from ticketing.rules.loader import parse_rule_set
from ticketing.rules.preview import preview
from ticketing.rules.view import SourceReader
from ticketing.rules.webhooks import STATUSES, attempts_of, list_outbox
from ticketing.rules.wiring import current_directory
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.http.routing import Call
    from ticketing.runtime import Runtime

#: The document name an activation sent over HTTP records (when none is given).
DEFAULT_DOCUMENT: Final = "rules.toml"
MAX_DIFFERENCES: Final = 10_000
MAX_DELIVERIES: Final = 1000


def rule_set_error(exc: PolicyError) -> PolicyError:
    """``exc`` with ``details.fields``: one entry per rule (or top-level key)."""
    problems = exc.details.get("problems") or [exc.details]
    fields: dict[str, str] = {}
    for p in problems:
        where = f"rule {p['rule_id']}" if p.get("rule_id") else "rules"
        key = f"{where}.{p.get('field', '')}".rstrip(".")
        line = f"line {p['line']}: " if p.get("line") else ""
        fields.setdefault(key, f"{line}{p.get('reason', exc.message)}")
    exc.details = {**exc.details, "fields": fields}
    return exc


def _history(runtime: Runtime) -> dict[str, Any]:
    now = runtime.clock.now()
    history = activation_history(runtime.projections.source, now)
    in_force = next((h for h in history if h.status == "in force"), None)
    return {
        "in_force": None if in_force is None else in_force.as_json(),
        "at": now.isoformat(),
        "activations": [h.as_json() for h in history],
    }


async def list_rule_sets(call: Call) -> Response:
    call.query().done()
    return JSONResponse(await call.blocking(_history, call.api.runtime))


def _activate(runtime: Runtime, call: Call, body: BodyFields) -> dict[str, Any]:
    text = body.text("rules", required=True)
    name = body.name("name") or DEFAULT_DOCUMENT
    effective_from = body.instant("effective_from")
    body.done()
    command = ActivatePolicy(
        kind=RULES_KIND, documents={name: text or ""}, effective_from=effective_from
    )
    try:
        result = runtime.service.execute(
            command, CommandContext(actor=call.principal.actor)
        )
    except PolicyError as exc:
        raise rule_set_error(exc) from None
    history = _history(runtime)
    recorded = next(
        a for a in history["activations"] if a["position"] == result.position
    )
    return {**recorded, "in_force": history["in_force"]}


async def activate_rule_set(call: Call) -> Response:
    call.query().done()
    raw = await read_json_object(call.request, call.api.config.max_body_bytes)
    body = BodyFields(raw, ("rules", "name", "effective_from"))
    data = await call.blocking(_activate, call.api.runtime, call, body)
    return JSONResponse(data, status_code=201)


def _preview(runtime: Runtime, body: BodyFields) -> dict[str, Any]:
    text = body.text("rules", required=True)
    include_imports = bool(body.boolean("include_imports"))
    limit = body.integer("limit", 0, MAX_DIFFERENCES)
    body.done()
    reader = SourceReader(runtime.projections.source)
    try:
        candidate = parse_rule_set(text or "", "rules", current_directory(reader))
    except PolicyError as exc:
        raise rule_set_error(exc) from None
    report = preview(
        reader, candidate, runtime.service.matrix, include_imports=include_imports
    ).as_json()
    shown = 100 if limit is None else limit
    report["summary"]["differences_shown"] = min(shown, len(report["differences"]))
    report["differences"] = report["differences"][:shown]
    return report


async def preview_rule_set(call: Call) -> Response:
    call.query().done()
    raw = await read_json_object(call.request, call.api.config.max_body_bytes)
    body = BodyFields(raw, ("rules", "include_imports", "limit"))
    return JSONResponse(await call.blocking(_preview, call.api.runtime, body))


def _deliveries(runtime: Runtime, status: str | None, limit: int) -> dict[str, Any]:
    rows = list_outbox(runtime.engine, status, limit)
    with read_transaction(runtime.engine) as conn:
        attempts = {r.id: attempts_of(conn, r.id) for r in rows}
    return {
        "deliveries": [
            {
                **r.as_json(),
                "attempt_log": [
                    {
                        k: v.isoformat() if hasattr(v, "isoformat") else v
                        for k, v in a.items()
                    }
                    for a in attempts[r.id]
                ],
            }
            for r in rows
        ]
    }


async def list_webhook_deliveries(call: Call) -> Response:
    q = call.query()
    status = q.choice("status", STATUSES)
    limit = q.integer("limit", 1, MAX_DELIVERIES) or 100
    q.done()
    data = await call.blocking(_deliveries, call.api.runtime, status, limit)
    return JSONResponse(data)


ROUTES: list[RouteSpec] = [
    RouteSpec(
        "GET",
        "/rules",
        "list_rule_sets",
        "The rule set in force and every activation (who, when, which version)",
        "rules",
        list_rule_sets,
        "policy.read",
        response="RuleSetHistory",
    ),
    RouteSpec(
        "POST",
        "/rules",
        "activate_rule_set",
        "Activate a rule-set version from its TOML text (checked first)",
        "rules",
        activate_rule_set,
        "policy.manage",
        body="RuleSetRequest",
        status=201,
        response="RuleSetActivated",
        errors=(409,),
        description="The file is checked against the directory in the log; a "
        "rejected file is 422 with one entry per problem (rule id, line, field, "
        "reason) in `details.problems` and `details.fields`, and nothing is "
        "recorded. `effective_from` (default now) may schedule it.",
    ),
    RouteSpec(
        "POST",
        "/rules/preview",
        "preview_rule_set",
        "What a candidate rule set would have decided differently over history",
        "rules",
        preview_rule_set,
        "rules.preview",
        body="RulesPreviewRequest",
        response="RulesPreview",
        description="Counterfactual and read-only: the log is replayed in "
        "memory and the candidate evaluated at every trigger point; nothing "
        "is written. `differences` lists the first `limit` (default 100).",
    ),
    RouteSpec(
        "GET",
        "/rules/webhooks",
        "list_webhook_deliveries",
        "Webhook calls decided by rules: pending, delivered, failed, with attempts",
        "rules",
        list_webhook_deliveries,
        "webhook.read",
        params=(
            Param(
                "status",
                "query",
                {"type": "string", "enum": list(STATUSES)},
                description="Only this status.",
            ),
            Param(
                "limit",
                "query",
                {"type": "integer", "minimum": 1, "maximum": MAX_DELIVERIES},
                description="Newest first, at most this many (default 100).",
            ),
        ),
        response="WebhookDeliveries",
    ),
]
