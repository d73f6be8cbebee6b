"""Property: for any history the service accepts, export/import/export is lossless.

Random command sequences run through the command service on SQLite (commands
the domain refuses are skipped, as a real client would see them refused). The
second export must be byte-identical to the first, and the write-side indexes
rebuilt by the import must equal the ones the service maintained live.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.portable_log import export_bytes, import_bytes
from tests.support.service_history import RULE, Writer, index_rows, runtime_for
from ticketing.aggregates.vocabulary import HOLD_REASONS, LINK_KINDS, TICKET_TYPES
from ticketing.commands import admin_messages as a
from ticketing.commands import messages as m
from ticketing.store.verify import verify_log

if TYPE_CHECKING:
    from uuid import UUID

pytestmark = [pytest.mark.property, pytest.mark.integration]

# Any text a command accepts: everything but NUL and lone surrogates (refused).
storable = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
texts = st.text(storable, min_size=1, max_size=30).filter(lambda s: s.strip() != "")
names = st.from_regex(r"[a-z][a-z0-9_-]{0,11}", fullmatch=True)
levels = st.integers(min_value=1, max_value=3)
which = st.integers(min_value=0, max_value=50)

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("open"), st.sampled_from(TICKET_TYPES), levels, levels, texts
        ),
        st.tuples(st.just("comment"), which, texts),
        st.tuples(st.just("route"), which, names),
        st.tuples(st.just("assign"), which, names),
        st.tuples(st.just("unassign"), which),
        st.tuples(st.just("priority"), which, levels, levels),
        st.tuples(st.just("hold"), which, st.sampled_from(HOLD_REASONS)),
        st.tuples(st.just("resume"), which),
        st.tuples(st.just("escalate"), which, texts),
        st.tuples(st.just("resolve"), which, names, texts),
        st.tuples(st.just("reopen"), which, texts),
        st.tuples(st.just("close"), which),
        st.tuples(st.just("cancel"), which, texts),
        st.tuples(st.just("tag"), which, names),
        st.tuples(st.just("untag"), which, names),
        st.tuples(st.just("link"), which, which, st.sampled_from(LINK_KINDS)),
        st.tuples(st.just("agent"), names, levels),
        st.tuples(st.just("capacity"), names, levels),
        st.tuples(st.just("group"), names),
        st.tuples(st.just("member"), names, names),
    ),
    min_size=1,
    max_size=25,
)


ADMIN: dict[str, Any] = {
    "agent": lambda n, c: a.RegisterAgent(agent_id=n, display_name=n, capacity=c),
    "capacity": lambda n, c: a.SetAgentCapacity(agent_id=n, capacity=c),
    "group": lambda n: a.CreateGroup(group_id=n, display_name=n.upper()),
    "member": lambda g, n: a.AddGroupMember(group_id=g, agent_id=n),
}


def command_for(step: tuple[Any, ...], tickets: list[UUID]) -> m.Command | None:
    op, *args = step
    if op in ADMIN:
        return ADMIN[op](*args)  # type: ignore[no-any-return]
    if op == "open":
        kind, impact, urgency, title = args
        return m.OpenTicket(
            type=kind, title=title, impact=impact, urgency=urgency, requester_id="r"
        )
    if not tickets:
        return None
    t = tickets[args[0] % len(tickets)]
    rest = args[1:]
    simple: dict[str, Any] = {
        "comment": lambda: m.AddComment(ticket_id=t, body=rest[0]),
        "route": lambda: m.RouteTicket(ticket_id=t, queue=rest[0]),
        "assign": lambda: m.AssignTicket(ticket_id=t, agent_id=rest[0]),
        "unassign": lambda: m.UnassignTicket(ticket_id=t),
        "priority": lambda: m.ChangePriority(
            ticket_id=t, impact=rest[0], urgency=rest[1]
        ),
        "hold": lambda: m.PutOnHold(ticket_id=t, reason=rest[0]),
        "resume": lambda: m.ResumeTicket(ticket_id=t),
        "escalate": lambda: m.EscalateTicket(ticket_id=t, reason=rest[0]),
        "resolve": lambda: m.ResolveTicket(
            ticket_id=t, resolution_code=rest[0], notes=rest[1]
        ),
        "reopen": lambda: m.ReopenTicket(ticket_id=t, reason=rest[0]),
        "close": lambda: m.CloseTicket(ticket_id=t),
        "cancel": lambda: m.CancelTicket(ticket_id=t, reason=rest[0]),
        "tag": lambda: m.TagTicket(ticket_id=t, tag=rest[0]),
        "untag": lambda: m.UntagTicket(ticket_id=t, tag=rest[0]),
        "link": lambda: m.LinkTickets(
            ticket_id=t, target_id=tickets[rest[0] % len(tickets)], kind=rest[1]
        ),
    }
    return simple[op]()  # type: ignore[no-any-return]


#: Each example writes two SQLite stores (~150 ms): capped to keep the suite quick.
MAX_EXAMPLES = min(settings().max_examples, 60)


@settings(max_examples=MAX_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(history=steps)
def test_export_import_export_is_byte_identical(
    history: list[tuple[Any, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source_url = f"sqlite:///{Path(tmp) / 'source.db'}"
        target_url = f"sqlite:///{Path(tmp) / 'target.db'}"
        with runtime_for(source_url) as source:
            writer = Writer(source)
            for i, step in enumerate(history):
                command = command_for(step, writer.tickets)
                if command is not None:
                    writer.actor = RULE if i % 5 == 4 else writer.actor
                    writer.try_run(command)
            exported = export_bytes(source)
            live_indexes = index_rows(source)

        with runtime_for(target_url) as target:
            import_bytes(target, exported, batch_size=7)
            assert export_bytes(target) == exported
            assert index_rows(target) == live_indexes
            assert verify_log(target.recorder).ok
