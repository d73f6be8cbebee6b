"""Identifiers: uuid4 for new tickets, uuid5 for natural keys."""

from __future__ import annotations

import uuid
from typing import NewType

TicketId = NewType("TicketId", uuid.UUID)

#: Namespace for every uuid5 this project derives; never change it.
NAMESPACE = uuid.UUID("6f0c6a8e-6a58-4d0f-9a41-4c2f0d6f5a11")


def new_ticket_id() -> TicketId:
    return TicketId(uuid.uuid4())


def ticket_id_for_key(idempotency_key: str) -> TicketId:
    """Deterministic ticket id for an open command carrying an idempotency key."""
    return TicketId(uuid.uuid5(NAMESPACE, f"ticket:{idempotency_key}"))


def natural_id(kind: str, key: str) -> uuid.UUID:
    """Deterministic id for a named thing (queue, group, agent, policy registry)."""
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")
