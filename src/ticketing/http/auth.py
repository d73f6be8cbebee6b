"""Who may do what: roles, actions and the role x action table (docs/http-api.md).

Authentication (who is calling) comes from a bearer API token; the token's
name is the principal id and its role decides the actions. A missing or bad
token is 401; a valid token whose role lacks the action is 403. Scope rules
that depend on the ticket (requesters see only their own tickets) live in
scopes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, get_args

from ticketing.aggregates.envelope import Actor
from ticketing.http.errors import ForbiddenError, UnauthenticatedError

if TYPE_CHECKING:
    from uuid import UUID

Role = Literal["requester", "agent", "supervisor", "analyst", "auditor", "admin"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)

#: Ticket commands, one action each (tag/untag and link/unlink share one).
COMMAND_ACTIONS: Final = (
    "ticket.open",
    "ticket.comment",
    "ticket.route",
    "ticket.assign",
    "ticket.unassign",
    "ticket.priority",
    "ticket.hold",
    "ticket.resume",
    "ticket.escalate",
    "ticket.resolve",
    "ticket.reopen",
    "ticket.close",
    "ticket.cancel",
    "ticket.link",
    "ticket.tag",
)
#: Supervisor powers checked on top of a command's own action (scopes.py).
OVERRIDE_PRIORITY: Final = "ticket.override_priority"
REASSIGN_GROUP: Final = "ticket.reassign_group"

READ_ACTIONS: Final = (
    "ticket.read",
    "ticket.history",
    "queue.read",
    "projection.read",
    "events.stream",
    "sla.read",
    "sla.evidence",
    "policy.read",
    "webhook.read",
)
ANALYSIS_ACTIONS: Final = ("sla.whatif", "rules.preview")
#: Admins see which policy and rule-set versions are in force and how rule
#: webhooks are delivered (operations), but no ticket data.
ADMIN_ACTIONS: Final = (
    "token.manage",
    "policy.manage",
    "policy.read",
    "webhook.read",
    "projection.read",
)

ACTIONS: Final[frozenset[str]] = frozenset(
    {
        *COMMAND_ACTIONS,
        OVERRIDE_PRIORITY,
        REASSIGN_GROUP,
        *READ_ACTIONS,
        *ANALYSIS_ACTIONS,
        *ADMIN_ACTIONS,
    }
)

_AGENT: Final = frozenset({*COMMAND_ACTIONS, *READ_ACTIONS})

#: The authorization table. Requesters are further limited to their own
#: tickets and to public comments (scopes.py).
PERMISSIONS: Final[dict[Role, frozenset[str]]] = {
    "requester": frozenset(
        {"ticket.open", "ticket.comment", "ticket.read", "queue.read", "events.stream"}
    ),
    "agent": _AGENT,
    "supervisor": _AGENT | {OVERRIDE_PRIORITY, REASSIGN_GROUP},
    "analyst": frozenset({*READ_ACTIONS, *ANALYSIS_ACTIONS}),
    "auditor": frozenset(READ_ACTIONS),
    "admin": frozenset(ADMIN_ACTIONS),
}


def allowed(role: Role, action: str) -> bool:
    if action not in ACTIONS:  # a typo in a route must not grant or deny silently
        msg = f"unknown action {action!r}"
        raise ValueError(msg)
    return action in PERMISSIONS[role]


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: the token's name (principal id) and role."""

    id: str
    role: Role
    token_id: UUID

    @property
    def actor(self) -> Actor:
        """The actor recorded in the envelope of every event this caller causes."""
        return Actor(id=self.id, role=self.role, kind="human")

    @property
    def is_requester(self) -> bool:
        return self.role == "requester"


def authorize(principal: Principal, action: str) -> None:
    """403 unless the principal's role grants ``action``."""
    if not allowed(principal.role, action):
        raise ForbiddenError(
            f"role {principal.role!r} may not {action}",
            {"role": principal.role, "action": action},
        )


def bearer_token(header: str | None) -> str:
    """The token from an ``Authorization: Bearer <token>`` header, else 401."""
    challenge = {"WWW-Authenticate": 'Bearer realm="ticketing"'}
    if header is None or not header.strip():
        raise UnauthenticatedError(
            "an API token is required (Authorization: Bearer <token>)",
            headers=challenge,
        )
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError(
            "the Authorization header must be 'Bearer <token>'", headers=challenge
        )
    return token.strip()


def invalid_token() -> UnauthenticatedError:
    return UnauthenticatedError(
        "the API token is unknown or revoked",
        headers={"WWW-Authenticate": 'Bearer realm="ticketing", error="invalid_token"'},
    )
