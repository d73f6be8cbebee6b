"""Ticket references: numbers are looked up once per process, ids never."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ticketing.errors import TicketNotFoundError
from ticketing.http.refs import TicketRefs

if TYPE_CHECKING:
    from tests.http.conftest import Api


def test_a_number_is_looked_up_once_then_remembered(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = api.open().json()["ticket_id"]
    service = api.runtime.service
    lookups: list[str] = []
    original = service.resolve_ref

    def counting(ref: str) -> object:
        lookups.append(ref)
        return original(ref)

    monkeypatch.setattr(service, "resolve_ref", counting)
    refs = TicketRefs(service, size=2)

    first = refs.resolve("inc0000001")
    second = refs.resolve("INC0000001")
    by_id = refs.resolve(ticket_id)

    assert str(first) == str(second) == str(by_id) == ticket_id
    assert lookups == ["inc0000001"]


def test_unknown_numbers_are_not_remembered(api: Api) -> None:
    refs = TicketRefs(api.runtime.service)

    for _ in range(2):
        with pytest.raises(TicketNotFoundError):
            refs.resolve("INC0000009")
    api.open()  # INC0000001 exists now; INC0000009 still does not
    assert str(refs.resolve("INC0000001"))
