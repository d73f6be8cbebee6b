"""The error hierarchy shared by every layer.

Each error has a stable machine-readable ``code``, a human ``message`` and
JSON-able ``details``. The HTTP layer maps branches to status codes; the CLI
maps them to exit code 2 (bad input) or 1 (a check found a problem).
"""

from __future__ import annotations

from typing import Any


class TicketingError(Exception):
    """Base of every error this package raises on purpose."""

    code = "ticketing_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return f"{self.message} {self.details}"


class InvalidCommandError(TicketingError):
    """Malformed values in a command or request; ``details`` maps field -> reason."""

    code = "invalid_command"

    @classmethod
    def for_fields(cls, problems: dict[str, str]) -> InvalidCommandError:
        names = ", ".join(sorted(problems))
        return cls(f"invalid value for: {names}", {"fields": dict(problems)})


class InvalidInputError(TicketingError):
    """A file or document given by the user cannot be used (names line/field)."""

    code = "invalid_input"


class NotFoundError(TicketingError):
    """Something that was referred to does not exist."""

    code = "not_found"


class TicketNotFoundError(NotFoundError):
    code = "ticket_not_found"

    @classmethod
    def for_ref(cls, ref: str) -> TicketNotFoundError:
        return cls(f"no ticket {ref!r}", {"ticket": ref})


class DomainError(TicketingError):
    """A well-formed command that the current state of the domain refuses."""

    code = "domain_error"


class InvalidTransitionError(DomainError):
    code = "invalid_transition"

    @classmethod
    def for_ticket(cls, ref: str, state: str, command: str) -> InvalidTransitionError:
        return cls(
            f"cannot {command} ticket {ref} in state {state!r}",
            {"ticket": ref, "state": state, "command": command},
        )


class NoChangeError(DomainError):
    """The command would not change anything; nothing is recorded."""

    code = "no_change"


class OutOfOrderTimeError(DomainError):
    """An occurred_at earlier than the ticket's previous event."""

    code = "out_of_order_time"


class ConflictError(TicketingError):
    """The request collides with a concurrent or earlier one."""

    code = "conflict"


class ConcurrencyConflictError(ConflictError):
    """The expected version is stale, or a concurrent writer got there first."""

    code = "version_conflict"


class IdempotencyConflictError(ConflictError):
    """A command id that was already used for a different command."""

    code = "idempotency_conflict"


class PolicyError(TicketingError):
    """A policy or rule file is invalid; nothing from it is activated."""

    code = "invalid_policy"

    @classmethod
    def at(cls, source: str, field: str, reason: str, **extra: Any) -> PolicyError:
        details = {"file": source, "field": field, "reason": reason, **extra}
        return cls(f"{source}: {field}: {reason}", details)


class ConfigurationError(TicketingError):
    """Settings from the environment or the command line are unusable."""

    code = "configuration_error"


class ProjectionError(TicketingError):
    """A projection could not process the log."""

    code = "projection_error"


class UnknownProjectionError(NotFoundError):
    code = "unknown_projection"


class CorruptEventError(ProjectionError):
    """A stored event cannot be decoded (unknown type or damaged payload)."""

    code = "corrupt_event"


class ProjectionHandlerError(ProjectionError):
    """A projection's handler raised on an event; the projection stops there."""

    code = "projection_handler_failed"


class CheckpointMovedError(ProjectionError):
    """Another runner advanced the checkpoint first; this batch was rolled back."""

    code = "checkpoint_moved"
