"""Service rules: domain time for imports, comment authors, links, references."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from tests.support.service import (
    AS_AGENT,
    IMPORTER,
    REQUESTER,
    RULE,
    open_ticket,
    opened,
)
from ticketing.clock import SettableClock
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.errors import InvalidCommandError, NotFoundError

if TYPE_CHECKING:
    from ticketing.runtime import Runtime

PAST = datetime(2019, 5, 6, 14, 30, tzinfo=UTC)


def test_an_import_keeps_the_original_time(runtime: Runtime) -> None:
    as_import = CommandContext(actor=IMPORTER, occurred_at=PAST)

    result = runtime.service.execute(open_ticket(), as_import)
    runtime.service.execute(
        m.TagTicket(ticket_id=result.ticket_id, tag="x"),
        CommandContext(actor=IMPORTER, occurred_at=PAST + timedelta(minutes=5)),
    )

    ticket = runtime.service.load(result.ticket_id)
    assert ticket.opened_at == PAST
    assert ticket.modified_on == PAST + timedelta(minutes=5)
    (record, _) = runtime.recorder.select_log(0, 10)
    assert record.recorded_at > PAST.isoformat()


def test_an_import_at_the_same_instant_as_the_previous_event_is_accepted(
    runtime: Runtime,
) -> None:
    as_import = CommandContext(actor=IMPORTER, occurred_at=PAST)
    tid = runtime.service.execute(open_ticket(), as_import).ticket_id

    result = runtime.service.execute(m.TagTicket(ticket_id=tid, tag="x"), as_import)

    assert result.version == 2


def test_an_import_time_in_another_zone_is_kept_as_that_instant(
    runtime: Runtime,
) -> None:
    local = PAST.astimezone(ZoneInfo("Europe/Paris"))
    as_import = CommandContext(actor=IMPORTER, occurred_at=local)

    tid = runtime.service.execute(open_ticket(), as_import).ticket_id

    assert runtime.service.load(tid).opened_at == PAST


def test_a_naive_import_time_is_refused(runtime: Runtime) -> None:
    naive = datetime(2019, 5, 6, 14, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(InvalidCommandError) as err:
        runtime.service.execute(
            open_ticket(), CommandContext(actor=IMPORTER, occurred_at=naive)
        )

    assert set(err.value.details["fields"]) == {"occurred_at"}


@pytest.mark.parametrize(
    ("ctx", "author"),
    [
        (AS_AGENT, "agent"),
        (CommandContext(actor=REQUESTER), "requester"),
        (CommandContext(actor=RULE), "system"),
    ],
)
def test_the_comment_author_follows_from_the_actor(
    runtime: Runtime, ctx: CommandContext, author: str
) -> None:
    tid = opened(runtime)

    runtime.service.execute(m.AddComment(ticket_id=tid, body="hi"), ctx)

    (event,) = runtime.app.repository.event_store.get(tid, gt=1)
    assert event.author_kind == author  # type: ignore[attr-defined]


def test_an_import_names_the_comment_author(runtime: Runtime) -> None:
    tid = opened(runtime)

    runtime.service.execute(
        m.AddComment(ticket_id=tid, body="hi", author_kind="requester"),
        CommandContext(actor=IMPORTER),
    )

    (event,) = runtime.app.repository.event_store.get(tid, gt=1)
    assert event.author_kind == "requester"  # type: ignore[attr-defined]


def test_a_requester_may_comment_publicly(runtime: Runtime) -> None:
    tid = opened(runtime)

    result = runtime.service.execute(
        m.AddComment(ticket_id=tid, body="any news?"), CommandContext(actor=REQUESTER)
    )

    assert result.version == 2


def test_link_to_an_existing_ticket(runtime: Runtime) -> None:
    tid, problem = opened(runtime), opened(runtime, type="problem")

    runtime.service.execute(
        m.LinkTickets(ticket_id=tid, kind="problem", target_id=problem), AS_AGENT
    )

    assert runtime.service.load(tid).links == (("problem", str(problem)),)


@pytest.mark.parametrize("ref", ["INC0000002", "inc0000002", "  INC0000002 "])
def test_resolve_ref_by_number(runtime: Runtime, ref: str) -> None:
    opened(runtime)
    second = opened(runtime)

    assert runtime.service.resolve_ref(ref) == second


def test_resolve_ref_by_uuid(runtime: Runtime) -> None:
    tid = opened(runtime)

    assert runtime.service.resolve_ref(str(tid)) == tid
    assert runtime.service.resolve_ref(str(tid).upper()) == tid


@pytest.mark.parametrize(
    "ref", ["INC0000009", "REQ0000001", str(uuid.uuid4()), "", "not a ticket"]
)
def test_resolve_ref_of_an_unknown_ticket_is_not_found(
    runtime: Runtime, ref: str
) -> None:
    opened(runtime)

    with pytest.raises(NotFoundError) as err:
        runtime.service.resolve_ref(ref)

    assert err.value.code == "ticket_not_found"
    assert err.value.details == {"ticket": ref.strip()}


def test_load_of_an_unknown_ticket_is_not_found(runtime: Runtime) -> None:
    missing = uuid.uuid4()

    with pytest.raises(NotFoundError):
        runtime.service.load(missing)


def test_a_live_command_is_stamped_no_earlier_than_the_last_event(
    runtime: Runtime,
) -> None:
    # given a ticket whose last event is ahead of this host's clock
    # (another host, slightly ahead, wrote it)
    tid = opened(runtime)
    last = runtime.service.load(tid).modified_on
    clock = runtime.clock
    assert isinstance(clock, SettableClock)
    clock.set(last - timedelta(seconds=30))

    result = runtime.service.execute(m.TagTicket(ticket_id=tid, tag="x"), AS_AGENT)

    ticket = runtime.service.load(tid)
    assert result.version == 2
    assert ticket.modified_on == last


def test_a_live_command_reads_the_clock_after_loading_the_ticket(
    runtime: Runtime,
) -> None:
    tid = opened(runtime)
    clock = runtime.clock
    assert isinstance(clock, SettableClock)
    clock.set(PAST.replace(year=2030))

    runtime.service.execute(m.TagTicket(ticket_id=tid, tag="x"), AS_AGENT)

    assert runtime.service.load(tid).modified_on > PAST.replace(year=2030)
