"""Workers for the concurrency tests: threads share a runtime, processes build one.

Every worker records one ``Outcome`` per command it issued: accepted (with the
version it produced) or refused with a conflict. Anything else is recorded as
an error, so the test fails on it instead of hanging or losing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from tests.support.service import AS_AGENT, open_runtime, open_ticket
from ticketing.commands import messages as m
from ticketing.errors import ConflictError

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.commands.service import TicketService

BARRIER_TIMEOUT = 30.0
TYPES = ("incident", "service_request", "problem", "change")


class Barrier(Protocol):
    def wait(self, timeout: float | None = None) -> int: ...

    def abort(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    worker: int
    command_id: str
    status: str  # "accepted" | "conflict" | "error"
    version: int = 0
    number: str = ""
    detail: str = ""


def _issue(service: TicketService, worker: int, command: m.Command) -> Outcome:
    try:
        result = service.execute(command, AS_AGENT)
    except ConflictError as exc:
        return Outcome(worker, command.command_id, "conflict", detail=exc.code)
    except Exception as exc:  # reported to the test, which fails
        return Outcome(worker, command.command_id, "error", detail=repr(exc))
    return Outcome(
        worker, command.command_id, "accepted", result.version, result.number
    )


def contend_in_rounds(
    service: TicketService, ticket_id: UUID, worker: int, rounds: int, barrier: Barrier
) -> list[Outcome]:
    """Each round: everyone reads the same version, then all write against it."""
    outcomes: list[Outcome] = []
    try:
        for i in range(rounds):
            version = service.load(ticket_id).version
            command = m.AddComment(
                ticket_id=ticket_id,
                body=f"worker {worker} round {i}",
                expected_version=version,
            )
            barrier.wait(BARRIER_TIMEOUT)
            outcomes.append(_issue(service, worker, command))
            barrier.wait(BARRIER_TIMEOUT)
    except Exception as exc:  # reported to the test, which fails
        barrier.abort()
        outcomes.append(Outcome(worker, "-", "error", detail=repr(exc)))
    return outcomes


def contend_freely(
    service: TicketService, ticket_id: UUID, worker: int, count: int, barrier: Barrier
) -> list[Outcome]:
    """No expected version: only a write-write race on the same version conflicts."""
    barrier.wait(BARRIER_TIMEOUT)
    return [
        _issue(service, worker, m.AddComment(ticket_id=ticket_id, body=f"w{worker}"))
        for _ in range(count)
    ]


def open_many(
    service: TicketService, worker: int, count: int, barrier: Barrier
) -> list[Outcome]:
    barrier.wait(BARRIER_TIMEOUT)
    return [
        _issue(service, worker, open_ticket(type=TYPES[(worker + i) % len(TYPES)]))
        for i in range(count)
    ]


WORKLOADS: dict[str, Any] = {
    "rounds": contend_in_rounds,
    "free": contend_freely,
}


def run_in_process(db_url: str, worker: int, args: tuple[Any, ...], queue: Any) -> None:
    """Process entry point (spawn): own runtime, then the named workload."""
    kind, *rest = args
    try:
        if kind == "open":
            # all processes start on the (possibly empty) database at once
            rest[-1].wait(BARRIER_TIMEOUT)
        with open_runtime(db_url) as runtime:
            if kind == "open":
                count, barrier = rest
                outcomes = open_many(runtime.service, worker, count, barrier)
            else:
                ticket_id, n, barrier = rest
                outcomes = WORKLOADS[kind](
                    runtime.service, ticket_id, worker, n, barrier
                )
    except Exception as exc:  # reported to the test, which fails
        args[-1].abort()  # release the other workers instead of letting them wait
        outcomes = [Outcome(worker, "-", "error", detail=repr(exc))]
    queue.put(outcomes)


def assert_no_errors(outcomes: list[Outcome]) -> None:
    errors = [o for o in outcomes if o.status == "error"]
    assert errors == [], errors


def assert_accepted_exactly_once(
    service: TicketService, ticket_id: UUID, outcomes: list[Outcome], before: int
) -> None:
    """Accepted commands' events are in the log once each; refused ones not at all.

    ``before`` is the ticket's version before the contention started.
    """
    assert_no_errors(outcomes)
    accepted = [o for o in outcomes if o.status == "accepted"]
    refused = [o for o in outcomes if o.status == "conflict"]
    assert len(accepted) + len(refused) == len(outcomes)
    assert {o.detail for o in refused} <= {"version_conflict"}
    events = list(service.app.repository.event_store.get(ticket_id, gt=before))
    logged = [e.meta.command_id for e in events]  # type: ignore[attr-defined]
    assert sorted(logged) == sorted(o.command_id for o in accepted)
    assert len(set(logged)) == len(logged)
    assert sorted(o.version for o in accepted) == [e.originator_version for e in events]
    ticket = service.load(ticket_id)
    assert ticket.version == before + len(accepted)
