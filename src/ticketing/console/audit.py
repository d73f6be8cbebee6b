"""The audit view: every event of a ticket with its hash-chain check, and exports.

The chain status of each event is recomputed from the stored row (content
hash, link to the row before it), as ``GET /tickets/{ref}/history`` does.
Exports are the same JSON documents the API serves: the verified history,
and the SLA evidence (``ticketing.sla.evidence/1``), as downloads.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from starlette.responses import Response

from ticketing.console.pages import page
from ticketing.console.web import SECURITY_HEADERS
from ticketing.queries.history import get_history
from ticketing.queries.sla_evidence import ticket_evidence

if TYPE_CHECKING:
    from ticketing.console.pages import Page


def _ref(p: Page) -> str:
    return str(p.request.path_params["ref"])


def _history(p: Page, ref: str) -> Any:
    runtime = p.api.runtime
    return get_history(runtime.service, runtime.projections.source, ref)


async def audit_page(p: Page) -> Response:
    p.require("ticket.history")
    ticket_id = await p.api.refs.aresolve(_ref(p))
    history = await p.blocking(_history, p, str(ticket_id))
    tampered = [
        e.version
        for e, c in zip(history.entries, history.chain, strict=True)
        if not c.verified
    ]
    return p.render(
        "audit.html",
        {
            "history": history,
            "rows": list(
                zip(history.entries, history.records, history.chain, strict=True)
            ),
            "tampered": tampered,
            "can_evidence": p.user.can("sla.evidence"),
        },
    )


def _download(data: dict[str, Any], filename: str) -> Response:
    body = json.dumps(data, indent=2, sort_keys=True, default=str)
    return Response(
        body,
        media_type="application/json",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


async def export_history(p: Page) -> Response:
    p.require("ticket.history")
    ticket_id = await p.api.refs.aresolve(_ref(p))
    history = await p.blocking(_history, p, str(ticket_id))
    return _download(history.as_json(), f"{history.number}-history.json")


async def export_evidence(p: Page) -> Response:
    p.require("sla.evidence")
    ticket_id = await p.api.refs.aresolve(_ref(p))
    host = p.api.runtime.projections
    data = await p.blocking(ticket_evidence, host, ticket_id, p.api.runtime.clock.now())
    return _download(data, f"{data['number']}-sla-evidence.json")


AUDIT_PAGE: Final = page(audit_page)
EXPORT_HISTORY: Final = page(export_history)
EXPORT_EVIDENCE: Final = page(export_evidence)
