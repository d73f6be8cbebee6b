"""Links between tickets and free tags: set semantics, kept sorted, as tuples."""

from __future__ import annotations

import pytest

from tests.support.builders import ctx_for, expect, given, resolved, then_events
from tests.support.steps import TARGET, linked, tagged
from ticketing.aggregates.ticket import Ticket
from ticketing.errors import NoChangeError

OTHER = "00000000-0000-4000-8000-000000000001"


def test_link_records_kind_and_target() -> None:
    ticket = given(linked("problem", TARGET))

    ticket.link(ctx_for(ticket), "parent", OTHER)

    assert then_events(ticket) == [
        expect(Ticket.Linked, kind="parent", target_id=OTHER)
    ]
    assert ticket.links == (("parent", OTHER), ("problem", TARGET))


def test_the_same_target_may_be_linked_with_another_kind() -> None:
    ticket = given(linked("parent", TARGET))

    ticket.link(ctx_for(ticket), "duplicate_of", TARGET)

    assert len(ticket.links) == 2


def test_linking_twice_is_no_change() -> None:
    ticket = given(linked("parent", TARGET))

    with pytest.raises(NoChangeError):
        ticket.link(ctx_for(ticket), "parent", TARGET)

    assert then_events(ticket) == []


def test_unlink_removes_only_that_link() -> None:
    ticket = given(linked("parent", TARGET), linked("problem", TARGET))

    ticket.unlink(ctx_for(ticket), "parent", TARGET)

    assert then_events(ticket) == [
        expect(Ticket.Unlinked, kind="parent", target_id=TARGET)
    ]
    assert ticket.links == (("problem", TARGET),)


def test_unlink_of_a_missing_link_is_no_change() -> None:
    ticket = given(linked("parent", TARGET))

    with pytest.raises(NoChangeError):
        ticket.unlink(ctx_for(ticket), "child", TARGET)

    assert then_events(ticket) == []


def test_tag_and_untag_keep_a_sorted_tuple() -> None:
    ticket = given(tagged("printer"), tags=("vip",))

    ticket.tag(ctx_for(ticket), "floor-3")
    ticket.untag(ctx_for(ticket), "vip")

    assert then_events(ticket) == [
        expect(Ticket.Tagged, tag="floor-3"),
        expect(Ticket.Untagged, tag="vip"),
    ]
    assert ticket.tags == ("floor-3", "printer")


def test_tagging_twice_or_untagging_a_missing_tag_is_no_change() -> None:
    ticket = given(resolved(), tags=("vip",))

    with pytest.raises(NoChangeError):
        ticket.tag(ctx_for(ticket), "vip")
    with pytest.raises(NoChangeError):
        ticket.untag(ctx_for(ticket), "printer")

    assert then_events(ticket) == []
