"""The console over a TestClient: sign-in, role rules, actions, stale pages, CSRF."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import TYPE_CHECKING

import pytest

from tests.support.tamper import edit_state_byte

if TYPE_CHECKING:
    from tests.console.conftest import Console


def test_pages_redirect_to_sign_in_without_a_session(console: Console) -> None:
    # given no session cookie / when a page is asked for
    response = console.get("/console/board")

    # then the browser is sent to the sign-in form
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"


def test_sign_in_sets_a_strict_http_only_cookie(console: Console) -> None:
    response = console.sign_in("agent")

    assert response.status_code == 303
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("ticketing_console=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Path=/console" in cookie


def test_sign_in_with_an_unknown_token_is_refused_with_a_message(
    console: Console,
) -> None:
    client = console.api.client
    form = client.get("/console/login").text
    nonce = re.search(r'name="nonce" value="([^"]+)"', form)
    assert nonce is not None

    response = client.post(
        "/console/login",
        data={"nonce": nonce.group(1), "token": "tkt_nope_nope"},
        follow_redirects=False,
    )

    assert response.status_code == 401
    assert "unknown or revoked" in response.text
    assert "ticketing_console=" not in response.headers.get("set-cookie", "")


def test_sign_in_without_the_form_nonce_is_refused(console: Console) -> None:
    response = console.api.client.post(
        "/console/login",
        data={"token": console.api.tokens["agent"]},
        follow_redirects=False,
    )

    assert response.status_code == 400
    assert "expired" in response.text


def test_board_lists_open_tickets_per_queue(console: Console) -> None:
    number = console.open_ticket(title="VPN down")
    console.api.command(number, "route", {"queue": "network", "group": "net"})
    console.sign_in("agent")

    response = console.board(state="new")

    assert response.status_code == 200
    assert number in response.text
    assert "VPN down" in response.text
    assert "<h2>network" in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_board_shows_a_requester_only_their_own_tickets(console: Console) -> None:
    mine = console.open_ticket(title="Mine", requester_id="requester")
    theirs = console.open_ticket(title="Theirs", requester_id="someone-else")
    console.sign_in("requester")

    board = console.board().text

    assert mine in board
    assert theirs not in board


def test_requester_cannot_open_somebody_elses_ticket(console: Console) -> None:
    theirs = console.open_ticket(requester_id="someone-else")
    console.sign_in("requester")

    response = console.get(f"/console/tickets/{theirs}")

    assert response.status_code == 403
    assert "own tickets" in response.text


def test_requester_sees_public_comments_only_and_may_comment(
    console: Console,
) -> None:
    number = console.open_ticket(requester_id="requester")
    console.api.command(number, "comments", {"body": "hello", "visibility": "public"})
    console.api.command(
        number, "comments", {"body": "secret note", "visibility": "internal"}
    )
    console.sign_in("requester")

    page = console.get(f"/console/tickets/{number}").text

    assert "hello" in page
    assert "secret note" not in page
    assert 'actions/comment"' in page
    assert 'actions/assign"' not in page
    assert "Timeline" not in page


def test_auditor_sees_the_ticket_without_any_action(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("auditor")

    page = console.get(f"/console/tickets/{number}").text

    assert "Timeline" in page
    assert "/actions/" not in page
    assert "cannot change tickets" in page


def test_auditor_action_post_is_forbidden(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("auditor")
    csrf = console.csrf(f"/console/tickets/{number}")

    response = console.api.client.post(
        f"/console/tickets/{number}/actions/assign",
        data={"csrf": csrf, "version": "1", "agent_id": "mallory"},
    )

    assert response.status_code == 403
    assert console.api.get(f"/tickets/{number}").json()["state"]["assignee"] is None


def test_admin_sees_no_ticket_data(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("admin")

    home = console.api.client.get("/console/")
    board = console.get("/console/board")
    ticket = console.get(f"/console/tickets/{number}")

    assert "no access to ticket data" in home.text
    assert board.status_code == 403
    assert ticket.status_code == 403
    assert number not in ticket.text


def test_assign_hold_resume_resolve_through_forms(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    for verb, fields in (
        ("assign", {"agent_id": "alice"}),
        ("hold", {"reason": "awaiting_caller", "note": "asked for logs"}),
        ("resume", {"note": "logs received"}),
        ("resolve", {"resolution_code": "fixed", "notes": "rebooted"}),
    ):
        response = console.act(number, verb, fields)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/console/tickets/{number}?done={verb}"

    state = console.api.get(f"/tickets/{number}").json()["state"]
    assert state["state"] == "resolved"
    assert state["assignee"] == "alice"
    history = console.api.get(f"/tickets/{number}/history").json()["events"]
    assert {e["actor"]["id"] for e in history[1:]} == {"agent"}


def test_stale_page_is_told_so_and_nothing_is_overwritten(console: Console) -> None:
    # given a page loaded at version 1
    number = console.open_ticket()
    console.sign_in("agent")
    page = console.get(f"/console/tickets/{number}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    # and someone else assigns the ticket in the meantime
    console.api.command(number, "assign", {"agent_id": "bob"}, role="supervisor")

    # when the stale page's form is submitted
    response = console.api.client.post(
        f"/console/tickets/{number}/actions/assign",
        data={"csrf": csrf.group(1), "version": "1", "agent_id": "alice"},
    )

    # then it is refused with a clear message, and bob stays assigned
    assert response.status_code == 409
    assert "changed since you loaded it" in response.text
    assert "you saw version 1; it is now at version 2" in response.text
    assert console.api.get(f"/tickets/{number}").json()["state"]["assignee"] == "bob"


def test_action_without_csrf_token_is_refused(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    response = console.api.client.post(
        f"/console/tickets/{number}/actions/assign",
        data={"csrf": "forged", "version": "1", "agent_id": "alice"},
    )

    assert response.status_code == 403
    assert "CSRF" in response.text
    assert console.api.get(f"/tickets/{number}").json()["state"]["assignee"] is None


def test_sign_out_needs_the_csrf_token(console: Console) -> None:
    console.sign_in("agent")

    refused = console.api.client.post(
        "/console/logout", data={"csrf": "forged"}, follow_redirects=False
    )
    csrf = console.csrf("/console/board")
    accepted = console.api.client.post(
        "/console/logout", data={"csrf": csrf}, follow_redirects=False
    )

    assert refused.status_code == 403
    assert accepted.status_code == 303
    assert console.get("/console/board").status_code == 303


@pytest.mark.parametrize(
    ("verb", "fields", "expected"),
    [
        ("assign", {"agent_id": ""}, "agent_id: is required"),
        ("priority", {"impact": "9", "urgency": "1"}, "impact"),
        ("hold", {"reason": "bored"}, "reason"),
    ],
)
def test_bad_input_gets_a_clear_message_not_a_500(
    console: Console, verb: str, fields: dict[str, str], expected: str
) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    response = console.act(number, verb, fields)

    assert response.status_code == 422
    assert expected in response.text


def test_form_without_a_version_is_refused(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")
    csrf = console.csrf(f"/console/tickets/{number}")

    response = console.api.client.post(
        f"/console/tickets/{number}/actions/assign",
        data={"csrf": csrf, "agent_id": "alice"},
    )

    assert response.status_code == 422
    assert "ticket version" in response.text


def test_unknown_ticket_and_action_are_404_pages(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")
    csrf = console.csrf(f"/console/tickets/{number}")

    missing = console.get("/console/tickets/INC9999999")
    action = console.api.client.post(
        f"/console/tickets/{number}/actions/explode", data={"csrf": csrf}
    )

    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert action.status_code == 404
    assert "no ticket action" in action.text


def test_board_filter_with_a_bad_value_is_a_422_page(console: Console) -> None:
    console.sign_in("agent")

    response = console.get("/console/board", state="sleeping")

    assert response.status_code == 422
    assert "sleeping" in response.text


def test_as_of_fragment_shows_the_state_at_a_version(console: Console) -> None:
    number = console.open_ticket()
    console.api.command(number, "assign", {"agent_id": "alice"})
    console.sign_in("agent")

    first = console.get(f"/console/tickets/{number}/asof", version="1").text
    second = console.get(f"/console/tickets/{number}/asof", version="2").text

    assert "v1 Opened" in first
    assert "alice" not in first
    assert "alice" in second


def test_audit_view_reports_a_verified_chain_and_exports(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("auditor")

    page = console.get(f"/console/tickets/{number}/audit")
    export = console.get(f"/console/tickets/{number}/export/history.json")

    assert page.status_code == 200
    assert "Chain verified" in page.text
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    assert export.json()["number"] == number
    assert export.json()["events"][0]["chain"]["status"] == "verified"


def test_requester_has_no_audit_view(console: Console) -> None:
    number = console.open_ticket(requester_id="requester")
    console.sign_in("requester")

    assert console.get(f"/console/tickets/{number}/audit").status_code == 403


def test_sla_dashboard_renders_for_analysts(console: Console) -> None:
    console.open_ticket(impact=1, urgency=1)
    console.sign_in("analyst")

    page = console.get("/console/sla")

    assert page.status_code == 200
    assert 'id="chart-weekly"' in page.text
    assert 'id="chart-data"' in page.text


def test_whatif_is_for_analysts_only(console: Console) -> None:
    console.sign_in("agent")

    assert console.get("/console/sla/whatif").status_code == 403


def test_whatif_refuses_a_policy_that_is_not_offered(console: Console) -> None:
    console.sign_in("analyst")

    response = console.get("/console/sla/whatif", policy="/etc/passwd.toml")

    assert response.status_code == 422
    assert "is not one of" in response.text


def test_whatif_compares_the_live_policy_with_a_candidate(console: Console) -> None:
    console.open_ticket(impact=1, urgency=1)
    console.sign_in("analyst")

    page = console.get("/console/sla/whatif", policy="default-v1")

    assert page.status_code == 200
    assert "Live vs default-v1" in page.text
    assert "Tickets that flip" in page.text


def test_audit_view_reports_a_tampered_event(console: Console) -> None:
    # given a ticket whose second stored event was edited in the database
    number = console.open_ticket()
    console.api.command(number, "assign", {"agent_id": "alice"})
    edit_state_byte(console.api.runtime.settings.db_url, 2)
    console.sign_in("auditor")

    # when the auditor opens the audit view
    page = console.get(f"/console/tickets/{number}/audit")

    # then it names the version that no longer verifies
    assert page.status_code == 200
    assert "Chain verification failed" in page.text
    assert "version(s) 2" in page.text
    assert "tampered" in page.text


def test_static_files_and_the_vendored_chart_library_are_served(
    console: Console,
) -> None:
    for path, media in (
        ("/console/static/console.css", "text/css"),
        ("/console/static/console.js", "javascript"),
        ("/console/static/vendor/chartjs/chart.umd.min.js", "javascript"),
    ):
        response = console.get(path)
        assert response.status_code == 200, path
        assert media in response.headers["content-type"]


def test_no_page_or_script_of_ours_loads_anything_from_elsewhere() -> None:
    package = files("ticketing.console")
    ours = [
        *(package / "templates").iterdir(),
        package / "static" / "console.js",
        package / "static" / "charts.js",
        package / "static" / "console.css",
    ]

    for resource in ours:
        text = resource.read_text()
        for needle in ("http://", "https://", 'src="//', 'href="//', "url(//"):
            assert needle not in text, f"{resource.name} refers to {needle}"
