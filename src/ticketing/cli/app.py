"""The Typer application, global options and the shared error handling."""

from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar

import typer

from ticketing.errors import TicketingError
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings, settings_from_env

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

EXIT_OK: Final = 0
EXIT_CHECK_FAILED: Final = 1
EXIT_BAD_INPUT: Final = 2

app = typer.Typer(
    name="ticketing",
    help="Event-sourced IT issue tracking: tickets, projections, SLAs, rules, audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

T = TypeVar("T")


@dataclass
class CliState:
    db: str | None = None
    verbose: bool = False

    def settings(self) -> Settings:
        return settings_from_env().with_db(self.db)


STATE = CliState()


@app.callback()
def _global_options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL or SQLite file "
            "(default: $TICKETING_DB_URL or ./ticketing.db).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress.")
    ] = False,
) -> None:
    STATE.db = db
    STATE.verbose = verbose
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def fail(message: str, code: int = EXIT_BAD_INPUT, details: Any = None) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    if details:
        typer.echo(json.dumps(details, indent=2, default=str), err=True)
    return typer.Exit(code)


@contextmanager
def open_runtime() -> Iterator[Runtime]:
    """Build the runtime for one CLI command; domain errors become exit code 2."""
    try:
        runtime = build_runtime(STATE.settings())
    except TicketingError as exc:
        raise fail(exc.message, details=exc.details) from exc
    try:
        yield runtime
    except TicketingError as exc:
        raise fail(exc.message, details=exc.details) from exc
    finally:
        runtime.close()


def guarded(fn: Callable[[], T]) -> T:
    """Run ``fn``; a TicketingError is reported and exits with code 2."""
    try:
        return fn()
    except TicketingError as exc:
        raise fail(exc.message, details=exc.details) from exc


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
