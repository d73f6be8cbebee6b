"""The fictional organisation of the demo: categories, queues, agents, requesters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ticketing.aggregates.envelope import Actor

if TYPE_CHECKING:
    from ticketing.aggregates.vocabulary import HoldReason, TicketType

ZONE: Final = "Europe/Paris"
OFFICE_HOURS: Final = (8, 18)  # local time, Monday to Friday
ROUTING_RULES: Final = "demo-routing-v1"


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    queue: str
    agents: tuple[str, ...]
    titles: tuple[str, ...]


CATEGORIES: Final = (
    Category(
        "network",
        "network-ops",
        ("nadia.benali", "tom.kowalski", "ines.moreau"),
        ("VPN drops every few minutes", "Wi-Fi slow on floor 3", "Cannot reach SAP"),
    ),
    Category(
        "hardware",
        "desktop-support",
        ("li.wei", "marc.dubois", "sara.lind", "omar.haddad"),
        ("Laptop does not boot", "Printer jams on tray 2", "Docking station dead"),
    ),
    Category(
        "software",
        "app-support",
        ("paula.rossi", "jonas.berg", "amina.diallo"),
        ("Excel crashes on open", "CRM shows an error 500", "Teams loses audio"),
    ),
    Category(
        "access",
        "identity",
        ("kevin.martin", "julia.nowak"),
        ("Account locked", "Need access to the finance share", "MFA token lost"),
    ),
    Category(
        "email",
        "messaging",
        ("hugo.lefevre", "eva.svensson"),
        ("Mails stuck in outbox", "Shared mailbox missing", "Spam filter too strict"),
    ),
    Category(
        "database",
        "dba",
        ("raj.patel", "claire.fontaine"),
        ("Reporting DB very slow", "Nightly backup failed", "Replica lag alerts"),
    ),
)

TYPES: Final[tuple[tuple[TicketType, int], ...]] = (
    ("incident", 60),
    ("service_request", 25),
    ("problem", 7),
    ("change", 8),
)
IMPACT_URGENCY: Final = (
    ((2, 2), 40),
    ((2, 3), 18),
    ((3, 3), 15),
    ((3, 2), 10),
    ((1, 2), 8),
    ((2, 1), 6),
    ((1, 1), 3),
)
HOLD_REASONS: Final[tuple[tuple[HoldReason, int], ...]] = (
    ("awaiting_caller", 55),
    ("awaiting_vendor", 20),
    ("awaiting_problem", 15),
    ("awaiting_change", 10),
)
CHANNELS: Final = (("web", 50), ("email", 25), ("phone", 20), ("chat", 5))
RESOLUTION_CODES: Final = ("fixed", "workaround", "configuration", "replaced", "advice")
REQUESTERS: Final = tuple(f"user{n:03d}" for n in range(1, 61))

ROUTER: Final = Actor(id="routing-rules", role="rule", kind="import")
AUTO_CLOSE: Final = Actor(id="auto-close", role="system", kind="import")
DISPATCHER: Final = Actor(id="dispatch.desk", role="dispatcher", kind="import")


def agent(agent_id: str) -> Actor:
    return Actor(id=agent_id, role="agent", kind="import")


def requester(user_id: str) -> Actor:
    return Actor(id=user_id, role="requester", kind="import")
