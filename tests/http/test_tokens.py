"""API tokens: hashed at rest, shown once, revocable; the admin routes and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from typer.testing import CliRunner

from tests.http.schema_check import assert_conforms
from ticketing.cli import app as cli_app
from ticketing.http.tokens import TokenStore, hash_token, tokens_table
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from tests.http.conftest import Api


def test_only_the_hash_of_a_token_is_stored(api: Api) -> None:
    store = TokenStore(api.runtime.engine)
    record, secret = store.create("carol", "auditor", api.runtime.clock.now())

    with read_transaction(api.runtime.engine) as conn:
        row = conn.execute(
            select(tokens_table).where(tokens_table.c.token_id == record.token_id)
        ).one()

    assert secret.startswith(f"tkt_{record.prefix}_")
    assert row.secret_hash == hash_token(secret)
    assert secret not in [str(v) for v in row]


def test_admin_creates_lists_and_revokes_tokens_over_http(api: Api) -> None:
    # when an admin creates a token
    created = api.client.post(
        "/tokens",
        json={"name": "dave", "role": "analyst"},
        headers=api.headers("admin"),
    )
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert_conforms("TokenCreated", body)

    # then it works, is listed without its secret, and stops working once revoked
    dave = {"Authorization": f"Bearer {body['token']}"}
    assert api.client.get("/tickets", headers=dave).status_code == 200
    listed = api.get("/tokens", role="admin").json()
    assert_conforms("TokenList", listed)
    assert "token" not in json.dumps(listed["tokens"]).replace('"token_id"', "")
    assert "dave" in [t["name"] for t in listed["tokens"]]

    revoked = api.client.post(
        f"/tokens/{body['prefix']}/revoke", headers=api.headers("admin")
    )
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert api.client.get("/tickets", headers=dave).status_code == 401
    names = [t["name"] for t in api.get("/tokens", role="admin").json()["tokens"]]
    assert "dave" not in names
    all_names = api.get("/tokens", role="admin", include_revoked="true").json()
    assert "dave" in [t["name"] for t in all_names["tokens"]]


def test_token_requests_are_validated_per_field(api: Api) -> None:
    bad = api.client.post(
        "/tokens",
        json={"name": " ", "role": "root", "scope": "all"},
        headers=api.headers("admin"),
    )
    unknown = api.client.post("/tokens/nope/revoke", headers=api.headers("admin"))

    assert bad.status_code == 422
    assert set(bad.json()["error"]["details"]["fields"]) == {"name", "role", "scope"}
    assert unknown.status_code == 404


def test_last_used_is_recorded_at_most_once_a_minute(api: Api) -> None:
    store = TokenStore(api.runtime.engine)
    now = api.runtime.clock.now()
    record, secret = store.create("erin", "agent", now)

    first = store.verify(secret, now)
    soon = store.verify(secret, now + timedelta(seconds=10))
    later = store.verify(secret, now + timedelta(minutes=2))

    assert first is not None
    assert first.last_used_at is None
    assert soon is not None
    assert soon.last_used_at == now
    assert later is not None
    listed = {t.token_id: t for t in store.list_tokens()}
    assert listed[record.token_id].last_used_at == now + timedelta(minutes=2)


def test_cli_creates_lists_and_revokes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETING_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    created = runner.invoke(
        cli_app, ["tokens", "create", "--role", "agent", "--name", "fay"]
    )
    assert created.exit_code == 0, created.output
    secret = created.stdout.splitlines()[0]
    assert secret.startswith("tkt_")

    listed = runner.invoke(cli_app, ["tokens", "list", "--json"])
    assert listed.exit_code == 0
    tokens = json.loads(listed.stdout)
    assert [(t["name"], t["role"]) for t in tokens] == [("fay", "agent")]
    assert secret not in listed.stdout

    revoked = runner.invoke(cli_app, ["tokens", "revoke", tokens[0]["token_id"]])
    assert revoked.exit_code == 0
    assert runner.invoke(cli_app, ["tokens", "list", "--json"]).stdout.strip() == "[]"


def test_cli_refuses_an_unknown_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETING_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    result = CliRunner().invoke(
        cli_app, ["tokens", "create", "--role", "root", "--name", "x"]
    )

    assert result.exit_code == 2
    assert "role" in result.output
