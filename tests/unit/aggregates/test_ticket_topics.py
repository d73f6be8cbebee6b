"""Stored topics and class versions are part of the log format: they never move.

Every stored event names its class by topic (``module:Class.Nested``). Moving or
renaming a class would make old events unreadable, so this list is frozen; a new
event adds a line, an evolved event bumps its class_version and gets an
upcaster (docs/event-log.md, "Upcasting").
"""

from __future__ import annotations

from eventsourcing.utils import get_topic, resolve_topic

from ticketing.aggregates.ticket import Ticket, TicketEvent

FROZEN_TOPICS: dict[str, int] = {
    "ticketing.aggregates.ticket:Ticket.Opened": 1,
    "ticketing.aggregates.ticket:Ticket.Routed": 1,
    "ticketing.aggregates.ticket:Ticket.Assigned": 1,
    "ticketing.aggregates.ticket:Ticket.Unassigned": 1,
    "ticketing.aggregates.ticket:Ticket.PriorityChanged": 1,
    "ticketing.aggregates.ticket:Ticket.CommentAdded": 1,
    "ticketing.aggregates.ticket:Ticket.PutOnHold": 1,
    "ticketing.aggregates.ticket:Ticket.Resumed": 1,
    "ticketing.aggregates.ticket:Ticket.Escalated": 1,
    "ticketing.aggregates.ticket:Ticket.Resolved": 1,
    "ticketing.aggregates.ticket:Ticket.Reopened": 1,
    "ticketing.aggregates.ticket:Ticket.Closed": 1,
    "ticketing.aggregates.ticket:Ticket.Canceled": 1,
    "ticketing.aggregates.ticket:Ticket.Linked": 1,
    "ticketing.aggregates.ticket:Ticket.Unlinked": 1,
    "ticketing.aggregates.ticket:Ticket.Tagged": 1,
    "ticketing.aggregates.ticket:Ticket.Untagged": 1,
    "ticketing.aggregates.ticket:Ticket.AutomationHalted": 1,
}


def event_classes() -> list[type[TicketEvent]]:
    return [
        value
        for value in vars(Ticket).values()
        if isinstance(value, type) and issubclass(value, TicketEvent)
    ]


def test_every_stored_topic_still_resolves_to_its_class() -> None:
    for topic, version in FROZEN_TOPICS.items():
        cls = resolve_topic(topic)
        assert get_topic(cls) == topic
        assert cls.class_version == version, topic


def test_every_event_class_is_in_the_frozen_list() -> None:
    assert {get_topic(cls) for cls in event_classes()} == set(FROZEN_TOPICS)


def test_aggregate_and_snapshot_topics_are_stable() -> None:
    assert get_topic(Ticket) == "ticketing.aggregates.ticket:Ticket"
    assert get_topic(Ticket.Snapshot) == "ticketing.aggregates.ticket:Ticket.Snapshot"
    assert getattr(Ticket, "class_version", 1) == 1
