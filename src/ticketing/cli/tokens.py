"""CLI: API tokens (create prints the secret once; list; revoke)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ticketing.cli.app import app, open_runtime, print_json
from ticketing.clock import SystemClock
from ticketing.http.auth import ROLES
from ticketing.http.tokens import TokenStore

tokens_app = typer.Typer(
    help="Create, list and revoke API tokens.", no_args_is_help=True
)
app.add_typer(tokens_app, name="tokens")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@tokens_app.command("create")
def create(
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[
        str, typer.Option("--name", help="Principal id recorded as the actor.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Create a token and print it once (only its hash is stored)."""
    with open_runtime() as runtime:
        store = TokenStore(runtime.engine)
        store.ensure_schema()
        record, secret = store.create(name, role, SystemClock().now())
    if as_json:
        print_json({**record.as_json(), "token": secret})
        return
    typer.echo(secret)
    typer.echo(
        f"token {record.prefix} for {record.name} ({record.role}); "
        "store it now, it cannot be shown again",
        err=True,
    )


@tokens_app.command("list")
def list_(
    include_revoked: Annotated[
        bool, typer.Option("--all", help="Include revoked tokens.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Tokens (never their secrets)."""
    with open_runtime() as runtime:
        store = TokenStore(runtime.engine)
        store.ensure_schema()
        records = store.list_tokens(include_revoked=include_revoked)
    if as_json:
        print_json([r.as_json() for r in records])
        return
    table = Table("prefix", "name", "role", "created", "last used", "revoked", "id")
    for r in records:
        table.add_row(
            r.prefix,
            r.name,
            r.role,
            r.created_at.isoformat(timespec="seconds"),
            r.last_used_at.isoformat(timespec="seconds") if r.last_used_at else "-",
            r.revoked_at.isoformat(timespec="seconds") if r.revoked_at else "",
            str(r.token_id),
        )
    Console().print(table)


@tokens_app.command("revoke")
def revoke(
    token: Annotated[str, typer.Argument(help="Token id or prefix.")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a token; requests with it get 401 from then on."""
    with open_runtime() as runtime:
        store = TokenStore(runtime.engine)
        store.ensure_schema()
        record = store.revoke(token, SystemClock().now())
    if as_json:
        print_json(record.as_json())
        return
    assert record.revoked_at is not None  # noqa: S101 - revoke sets it
    typer.echo(
        f"revoked {record.prefix} ({record.name}) at {record.revoked_at.isoformat()}"
    )
