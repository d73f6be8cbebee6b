"""``LiveTickets``: taken once, never older than what is kept, bounded."""

from __future__ import annotations

import copy

from tests.support.builders import ctx_for, given
from ticketing.commands.live import LiveTickets


def test_a_taken_ticket_is_gone_until_put_back() -> None:
    live, ticket = LiveTickets(), given()
    live.put(ticket)
    assert live.take(ticket.id) is ticket
    assert live.take(ticket.id) is None


def test_an_older_copy_never_replaces_a_newer_one() -> None:
    live, newer = LiveTickets(), given()
    older = copy.deepcopy(newer)  # version 1
    newer.tag(ctx_for(newer), "x")
    newer.collect_events()  # version 2, committed
    live.put(newer)
    live.put(older)
    assert live.take(newer.id) is newer


def test_a_ticket_with_pending_events_is_not_kept() -> None:
    live, ticket = LiveTickets(), given()
    ticket.tag(ctx_for(ticket), "x")  # decided, not committed
    live.put(ticket)
    assert live.take(ticket.id) is None


def test_least_recently_written_goes_first() -> None:
    live = LiveTickets(limit=2)
    tickets = [given() for _ in range(3)]
    for t in tickets:
        live.put(t)
    assert len(live) == 2
    assert live.take(tickets[0].id) is None
    assert live.take(tickets[2].id) is tickets[2]
