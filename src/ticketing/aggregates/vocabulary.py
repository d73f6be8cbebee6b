"""The closed vocabularies of the ticket domain, as Literal types and value sets."""

from __future__ import annotations

from typing import Final, Literal, get_args

TicketType = Literal["incident", "service_request", "problem", "change"]
State = Literal["new", "in_progress", "on_hold", "resolved", "closed", "canceled"]
HoldReason = Literal[
    "awaiting_caller", "awaiting_vendor", "awaiting_problem", "awaiting_change"
]
Priority = Literal["P1", "P2", "P3", "P4", "P5"]
LinkKind = Literal["parent", "child", "problem", "duplicate_of"]
Visibility = Literal["public", "internal"]
AuthorKind = Literal["agent", "requester", "system"]
ActorKind = Literal["human", "rule", "import", "system"]

TICKET_TYPES: Final[tuple[TicketType, ...]] = get_args(TicketType)
STATES: Final[tuple[State, ...]] = get_args(State)
HOLD_REASONS: Final[tuple[HoldReason, ...]] = get_args(HoldReason)
PRIORITIES: Final[tuple[Priority, ...]] = get_args(Priority)
LINK_KINDS: Final[tuple[LinkKind, ...]] = get_args(LinkKind)
VISIBILITIES: Final[tuple[Visibility, ...]] = get_args(Visibility)
AUTHOR_KINDS: Final[tuple[AuthorKind, ...]] = get_args(AuthorKind)
ACTOR_KINDS: Final[tuple[ActorKind, ...]] = get_args(ActorKind)

#: States in which work on the ticket is still going on.
OPEN_STATES: Final[frozenset[State]] = frozenset({"new", "in_progress", "on_hold"})
#: States from which nothing can happen any more.
FINAL_STATES: Final[frozenset[State]] = frozenset({"closed", "canceled"})

#: Human ticket numbers: prefix by type, then seven digits (INC0000001).
NUMBER_PREFIX: Final[dict[TicketType, str]] = {
    "incident": "INC",
    "service_request": "REQ",
    "problem": "PRB",
    "change": "CHG",
}
NUMBER_DIGITS: Final = 7


def format_number(ticket_type: TicketType, sequence: int) -> str:
    return f"{NUMBER_PREFIX[ticket_type]}{sequence:0{NUMBER_DIGITS}d}"
