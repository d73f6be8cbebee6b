"""Long lists in the console: the board in pages (keyset cursors), a capped timeline."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx2 as httpx

    from tests.console.conftest import Console

ROW = re.compile(r'<tr class="risk-\w+" data-number="(\w+)">')
COUNT = re.compile(r'id="board-count"[^>]*>([^·]*)·')


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return None if found is None else html.unescape(found.group(1))


def numbers(page: str) -> list[str]:
    return ROW.findall(page)


def count_line(page: str) -> str:
    found = COUNT.search(page)
    assert found is not None
    return " ".join(found.group(1).split())


def get(console: Console, url: str) -> httpx.Response:
    response = console.api.client.get(url, follow_redirects=False)
    assert response.status_code == 200, response.text
    return response


@pytest.fixture
def five(console: Console, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Five open tickets, a board of two rows a page, an agent signed in."""
    monkeypatch.setattr("ticketing.console.board.PAGE_SIZE", 2)
    opened = [console.open_ticket(title=f"Ticket {i}") for i in range(5)]
    console.settle()  # SLA clocks in place before paging by due time
    console.sign_in("agent")
    return opened


def test_the_board_pages_forward_and_back_with_the_total_shown(
    console: Console, five: list[str]
) -> None:
    # given the first page, sorted by number
    first = console.board(sort="number").text
    assert numbers(first) == five[:2]
    assert count_line(first) == "Tickets 1 to 2 of 5"
    assert link(first, "prev") is None

    # when following "next" twice
    next_url = link(first, "next")
    assert next_url is not None
    second = get(console, next_url).text
    third_url = link(second, "next")
    assert third_url is not None
    third = get(console, third_url).text

    # then every ticket shows once, in order, each page at its place
    assert numbers(second) == five[2:4]
    assert count_line(second) == "Tickets 3 to 4 of 5"
    assert numbers(third) == five[4:]
    assert count_line(third) == "Ticket 5 of 5"
    assert link(third, "next") is None

    # and "previous" goes back through the same pages
    back_url = link(third, "prev")
    assert back_url is not None
    back = get(console, back_url).text
    assert numbers(back) == five[2:4]
    first_again_url = link(back, "prev")
    assert first_again_url is not None
    first_again = get(console, first_again_url).text
    assert numbers(first_again) == five[:2]
    assert link(first_again, "prev") is None


@pytest.mark.parametrize("sort", ["at_risk", "due", "updated", "age", "priority"])
def test_every_sort_pages_through_every_ticket_once(
    console: Console, five: list[str], sort: str
) -> None:
    seen: list[str] = []
    page = console.board(sort=sort).text
    while True:
        seen += numbers(page)
        next_url = link(page, "next")
        if next_url is None:
            break
        page = get(console, next_url).text

    assert sorted(seen) == five
    assert len(seen) == len(set(seen))


def test_page_links_keep_the_filters_and_sort(
    console: Console, five: list[str]
) -> None:
    first = console.board(sort="number", priority="P3").text

    next_url = link(first, "next")

    assert next_url is not None
    assert "sort=number" in next_url
    assert "priority=P3" in next_url
    assert "cursor=" in next_url


def test_the_live_refresh_of_a_page_keeps_its_cursor(
    console: Console, five: list[str]
) -> None:
    first = console.board(sort="number").text
    next_url = link(first, "next")
    assert next_url is not None
    second = get(console, next_url).text

    rows_url = re.search(r'data-rows="([^"]+)"', second)
    assert rows_url is not None
    fragment = get(console, html.unescape(rows_url.group(1))).text

    assert numbers(fragment) == five[2:4]
    assert "<html" not in fragment


def test_a_first_page_link_appears_once_off_the_first_page(
    console: Console, five: list[str]
) -> None:
    first = console.board(sort="number").text
    next_url = link(first, "next")
    assert next_url is not None
    second = get(console, next_url).text

    assert ">First page</a>" not in first
    assert ">First page</a>" in second


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "!!!"}, "cursor"),
        ({"cursor": "A" * 1001}, "cursor"),
        ({"before": "bm9wZQ"}, "cursor"),
        ({"cursor": "WyJJTkMwMDAwMDAxIl0", "before": "WyJJTkMwMDAwMDAxIl0"}, "before"),
    ],
)
def test_a_bad_cursor_is_a_422_page_naming_it(
    console: Console, params: dict[str, str], field: str
) -> None:
    console.sign_in("agent")

    response = console.get("/console/board", sort="number", **params)

    assert response.status_code == 422
    assert f"<strong>{field}</strong>" in response.text


def test_a_long_timeline_shows_its_latest_events_and_links_to_all(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a ticket with five events and a timeline capped at three
    monkeypatch.setattr("ticketing.console.ticket.TIMELINE_SHOWN", 3)
    number = console.open_ticket()
    for i in range(4):
        console.api.command(number, "comments", {"body": f"note {i}"})
    console.sign_in("agent")

    # when the ticket page is shown
    capped = console.get(f"/console/tickets/{number}").text

    # then the newest three show, with a link to all five
    timeline = capped[capped.index('id="timeline"') :]
    assert re.findall(r'<li id="v(\d+)">', timeline) == ["5", "4", "3"]
    assert "Showing the latest 3 of 5 events" in capped
    assert f'href="/console/tickets/{number}?timeline=all#h-timeline"' in capped
    assert "Show all 5 events" in capped


def test_show_all_shows_every_event_and_keeps_it_live(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ticketing.console.ticket.TIMELINE_SHOWN", 3)
    number = console.open_ticket()
    for i in range(4):
        console.api.command(number, "comments", {"body": f"note {i}"})
    console.sign_in("agent")

    everything = console.get(f"/console/tickets/{number}", timeline="all").text
    fragment = console.get(f"/console/tickets/{number}/timeline", timeline="all").text
    capped_fragment = console.get(f"/console/tickets/{number}/timeline").text

    timeline = everything[everything.index('id="timeline"') :]
    assert re.findall(r'<li id="v(\d+)">', timeline) == ["5", "4", "3", "2", "1"]
    assert "Show only the latest 3" in everything
    assert f'data-timeline="/console/tickets/{number}/timeline?timeline=all"' in (
        everything
    )
    assert re.findall(r'<li id="v(\d+)">', fragment) == ["5", "4", "3", "2", "1"]
    assert re.findall(r'<li id="v(\d+)">', capped_fragment) == ["5", "4", "3"]


def test_a_short_timeline_has_no_paging_note(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    page = console.get(f"/console/tickets/{number}").text

    assert 'id="timeline-extent"' not in page
    assert '<li id="v1">' in page


def test_an_unknown_timeline_choice_is_a_422_page(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    response = console.get(f"/console/tickets/{number}", timeline="everything")

    assert response.status_code == 422
    assert "timeline" in response.text
