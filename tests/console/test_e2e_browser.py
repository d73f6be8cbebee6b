"""End to end: Debian's Chromium, driven by Playwright, against ``ticketing serve``.

Covers sign-in, opening a ticket on the new-ticket page (with a field error
first), the live board, working the ticket (assign, hold, resume, resolve),
the live timeline and the stale-page refusal, the as-of slider,
the audit view, the SLA dashboard with its charts, and a what-if run. Every
page is saved as a screenshot (``$TICKETING_SCREENSHOTS``, default
``tests/console/screenshots/``) for a person to look at.

Chromium comes from Debian (``apt-get install chromium``), never from a
Playwright download. Without /usr/bin/chromium these tests skip, unless
``TICKETING_REQUIRE_BROWSER=1`` (CI), when they fail.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

from tests.console.e2e_server import CANDIDATE, Served, serve

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM: Final = Path("/usr/bin/chromium")
REQUIRED: Final = os.environ.get("TICKETING_REQUIRE_BROWSER") == "1"
WAIT_MS: Final = 20_000
SHOTS: Final = Path(
    os.environ.get("TICKETING_SCREENSHOTS") or Path(__file__).parent / "screenshots"
)

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

if not CHROMIUM.exists():
    reason = f"{CHROMIUM} is missing: apt-get install chromium"
    if REQUIRED:
        pytest.fail(f"TICKETING_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    if REQUIRED:
        pytest.fail("TICKETING_REQUIRE_BROWSER=1 but playwright is not installed")
    pytest.skip("playwright is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from serve(tmp_path_factory.mktemp("console-e2e"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
            ],
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, served: Served) -> Iterator[Page]:
    context = browser.new_context(
        base_url=served.base, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, served: Served, person: str) -> None:
    page.goto("/console/login")
    page.get_by_label("API token").fill(served.tokens[person])
    page.keyboard.press("Enter")  # keyboard only
    expect(page.locator("header .who")).to_contain_text(person)


def open_ticket(served: Served, **fields: Any) -> str:
    body = {
        "type": "incident",
        "title": f"Mail bounces {uuid.uuid4().hex[:6]}",
        "impact": 1,
        "urgency": 2,
        "requester_id": "carol",
        **fields,
    }
    created = served.api("alice", "POST", "/tickets", **body)
    number: str = created["number"]
    return number


def reveal(page: Page, verb: str) -> None:
    """Open the action's disclosure (a <details>) unless it is open."""
    details = page.locator(f"#form-{verb}").locator("xpath=..")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def submit(page: Page, verb: str) -> None:
    reveal(page, verb)
    page.locator(f"#form-{verb} button[type=submit]").click()


def test_sign_in_page(page: Page, served: Served) -> None:
    page.goto("/console/login")
    shot(page, "01-sign-in")

    page.get_by_label("API token").fill("tkt_wrong_token")
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("unknown or revoked")


def fill_new_ticket(form: Page, title: str) -> None:
    """Fill in the new-ticket form (its title field has the focus)."""
    expect(form.get_by_label("Title", exact=True)).to_be_focused()
    form.keyboard.type(title)
    form.get_by_label("Type", exact=True).select_option("incident")
    form.get_by_label("Description (optional)").fill("Every mail to sales@ bounces.")
    form.get_by_label("Impact", exact=True).select_option("1")
    form.get_by_label("Urgency", exact=True).select_option("2")
    form.get_by_label("Category (optional)", exact=True).fill("email")
    form.get_by_label("Service (optional)").fill("mail")
    form.get_by_label("Configuration item (CI, optional)").fill("MX-01")
    form.get_by_label("Requester (their user id)").fill("carol")


def press_open(form: Page) -> None:
    form.get_by_role("button", name="Open ticket").focus()
    form.keyboard.press("Enter")  # keyboard only


def test_board_updates_live_and_agent_opens_and_works_a_ticket(
    page: Page, served: Served
) -> None:
    # given an agent on the board
    sign_in(page, served, "alice")
    expect(page.locator("#live-status")).to_have_text(re.compile("^Live updates: on"))
    shot(page, "02-board")

    # when, in a second tab, the agent goes from the board to "New ticket"
    form = page.context.new_page()
    form.goto("/console/board")
    form.locator("main").get_by_role("link", name="New ticket").click()
    expect(form.locator("h1")).to_have_text("New ticket")

    # and sends it with a blank title (spaces pass the browser's check)
    fill_new_ticket(form, "   ")
    press_open(form)

    # then the server's 422 page names the field and puts the focus on it
    expect(form.locator("#err-title")).to_contain_text("title: is required")
    expect(form.get_by_label("Title", exact=True)).to_be_focused()
    expect(form.get_by_label("Configuration item (CI, optional)")).to_have_value(
        "MX-01"
    )
    shot(form, "02b-new-ticket-error")

    # when the title is given and the form sent again
    title = f"Mail bounces {uuid.uuid4().hex[:6]}"
    form.keyboard.type(title)
    shot(form, "02c-new-ticket")
    press_open(form)

    # then the ticket is open, shown with the requester and CI given
    expect(form.get_by_role("status").first).to_contain_text("opened")
    expect(form.locator("h1")).to_contain_text(title)
    expect(form.locator("dl.fields")).to_contain_text("MX-01")
    expect(form.locator("dl.fields")).to_contain_text("carol")
    number = form.locator("#ticket").get_attribute("data-number")
    assert number is not None
    form.close()

    # and the board in the first tab shows it without a reload
    row = page.locator(f'#board tr[data-number="{number}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("new")
    expect(row).to_contain_text(title)

    # when the agent opens it and assigns, holds, resumes and resolves it
    row.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_contain_text(number)
    reveal(page, "assign")
    page.get_by_label("Agent").fill("alice")
    submit(page, "assign")
    expect(page.get_by_role("status").first).to_contain_text("Assign: done")
    reveal(page, "hold")
    page.get_by_label("Hold reason").select_option("awaiting_caller")
    submit(page, "hold")
    expect(page.locator("dl.fields")).to_contain_text("on_hold")
    submit(page, "resume")
    expect(page.locator("dl.fields")).to_contain_text("in_progress")
    reveal(page, "resolve")
    page.get_by_label("Resolution code").fill("fixed")
    submit(page, "resolve")

    # then the page, its timeline and the SLA clocks show each step
    expect(page.locator("dl.fields")).to_contain_text("resolved")
    timeline = page.locator("#timeline")
    for event in ("Assigned", "PutOnHold", "Resumed", "Resolved"):
        expect(timeline).to_contain_text(event)
    expect(page.locator(".clocks .track").first).to_be_visible()
    shot(page, "03-ticket-resolved")

    # and the board, live, no longer lists it among open tickets
    page.goto("/console/board")
    expect(page.locator(f'#board tr[data-number="{number}"]')).to_have_count(0)


def test_timeline_updates_live_and_a_stale_page_is_refused(
    page: Page, served: Served
) -> None:
    number = open_ticket(served)
    sign_in(page, served, "alice")
    page.goto(f"/console/tickets/{number}")
    expect(page.locator("#timeline")).to_contain_text("Opened")

    # when somebody else changes the ticket
    served.api(
        "bob", "POST", f"/tickets/{number}/comments", body="Called the user back"
    )

    # then the timeline shows it live and the page says it is stale
    expect(page.locator("#timeline")).to_contain_text("Called the user back")
    expect(page.locator("#stale")).to_be_visible()
    expect(page.locator("#stale")).to_contain_text("CommentAdded by bob")
    shot(page, "04-ticket-stale")

    # and an action from the stale page is refused without overwriting
    reveal(page, "assign")
    page.get_by_label("Agent").fill("alice")
    submit(page, "assign")
    expect(page.locator("#problem")).to_contain_text("changed since you loaded it")
    shot(page, "04b-ticket-stale-refused")
    state = served.api("alice", "GET", f"/tickets/{number}")["state"]
    assert state["assignee"] is None


def test_as_of_slider_shows_an_earlier_state(page: Page, served: Served) -> None:
    number = open_ticket(served)
    served.api("alice", "POST", f"/tickets/{number}/assign", agent_id="alice")
    served.api("alice", "POST", f"/tickets/{number}/hold", reason="awaiting_vendor")
    sign_in(page, served, "alice")
    page.goto(f"/console/tickets/{number}")

    slider = page.get_by_label("Version")
    slider.focus()
    page.keyboard.press("Home")  # keyboard: first version

    asof = page.locator("#asof")
    expect(asof).to_contain_text("v1 Opened")
    expect(asof.locator("dl.fields")).not_to_contain_text("awaiting_vendor")
    page.keyboard.press("End")
    expect(asof).to_contain_text("PutOnHold")
    expect(asof.locator("dl.fields")).to_contain_text("awaiting_vendor")
    shot(page, "05-ticket-as-of")


def test_auditor_sees_chain_status_and_exports(page: Page, served: Served) -> None:
    number = open_ticket(served)
    served.api("alice", "POST", f"/tickets/{number}/assign", agent_id="alice")
    served.api("alice", "POST", f"/tickets/{number}/comments", body="Looking")
    sign_in(page, served, "audrey")
    page.goto(f"/console/tickets/{number}")
    expect(page.locator("text=cannot change tickets")).to_be_visible()

    page.get_by_role("link", name="Audit view").click()

    expect(page.locator("#chain-status")).to_contain_text("Chain verified")
    with page.expect_download() as download:
        page.get_by_role("link", name="SLA evidence", exact=False).click()
    assert download.value.suggested_filename == f"{number}-sla-evidence.json"
    shot(page, "06-audit")


def test_sla_dashboard_draws_its_charts(page: Page, served: Served) -> None:
    sign_in(page, served, "ana")
    page.goto("/console/sla")

    expect(page.locator("#chart-weekly")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#chart-priority")).to_have_attribute("data-drawn", "true")
    expect(page.locator(".card").first).to_contain_text("% met")
    expect(page.locator("#sla-freshness")).to_contain_text("Figures as of log event")
    shot(page, "07-sla-dashboard")


def test_whatif_shows_old_and_new_and_the_tickets_that_flip(
    page: Page, served: Served
) -> None:
    sign_in(page, served, "ana")
    page.goto("/console/sla/whatif")

    page.get_by_label("Candidate policy").select_option(CANDIDATE)
    page.get_by_role("button", name="Compare").click()

    result = page.locator("#whatif-result")
    expect(result).to_contain_text(f"Live vs {CANDIDATE}")
    expect(page.locator("#chart-whatif")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#flips tbody tr").first).to_be_visible()
    expect(result.locator("strong.worse").first).to_be_visible()  # stricter: fewer met
    shot(page, "08-whatif")
