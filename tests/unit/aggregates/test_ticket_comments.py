"""Comments: recorded with visibility and author kind; allowed until final."""

from __future__ import annotations

import pytest

from tests.support.builders import ctx_for, expect, given, resolved, then_events
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import AUTHOR_KINDS, AuthorKind


@pytest.mark.parametrize("author", AUTHOR_KINDS)
def test_comment_records_body_visibility_and_author(author: AuthorKind) -> None:
    ticket = given()

    ticket.comment(ctx_for(ticket), "rebooted it", "internal", author)

    assert then_events(ticket) == [
        expect(
            Ticket.CommentAdded,
            body="rebooted it",
            visibility="internal",
            author_kind=author,
        )
    ]
    assert ticket.state == "new"


def test_a_requester_may_reply_to_a_resolved_ticket() -> None:
    ticket = given(resolved())

    ticket.comment(ctx_for(ticket), "works now, thanks", "public", "requester")

    assert [e[0] for e in then_events(ticket)] == ["CommentAdded"]
    assert ticket.state == "resolved"


def test_the_same_comment_twice_is_two_events() -> None:
    ticket = given()

    ticket.comment(ctx_for(ticket), "ping", "public", "agent")
    ticket.comment(ctx_for(ticket), "ping", "public", "agent")

    assert len(then_events(ticket)) == 2
    assert ticket.version == 3
