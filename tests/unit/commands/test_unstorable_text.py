"""Text that no store can keep is refused when the command is built, per field."""

from __future__ import annotations

import uuid

import pytest

from ticketing.commands import messages as m
from ticketing.errors import InvalidCommandError


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("printer\x00down", "must not contain NUL characters"),
        ("printer \ud800 down", "must not contain unpaired surrogates"),
    ],
)
def test_open_ticket_refuses_unstorable_title(title: str, reason: str) -> None:
    # given a title PostgreSQL text or UTF-8 cannot hold
    # when the command is built
    with pytest.raises(InvalidCommandError) as err:
        m.OpenTicket(
            type="incident", title=title, impact=1, urgency=1, requester_id="r"
        )

    # then the field is named with the reason, before anything is stored
    assert err.value.details["fields"] == {"title": reason}


def test_comment_body_keeps_tabs_newlines_and_emoji() -> None:
    # given ordinary multi-line text with astral characters
    body = "line one\n\tline two \U0001f600"

    # when the command is built
    command = m.AddComment(ticket_id=uuid.uuid4(), body=body)

    # then it is accepted unchanged
    assert command.body == body
