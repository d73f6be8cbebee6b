"""API tokens: random secrets shown once, stored as SHA-256 hashes, revocable.

A token reads ``tkt_<prefix>_<secret>``: the prefix (public) finds the row,
the SHA-256 of the whole token must match the stored hash (constant-time
compare). A fast hash is enough because the secret is 256 random bits, not a
password. ``last_used_at`` is refreshed at most once a minute per token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import Column, MetaData, String, Table, Uuid, insert, select, update

from ticketing.commands.validation import check_name
from ticketing.errors import InvalidCommandError, NotFoundError
from ticketing.http.auth import ROLES, Principal, Role
from ticketing.projections.sqltypes import UtcDateTime
from ticketing.store.datastore import read_transaction, write_transaction
from ticketing.store.schema import schema_transaction

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

TOKEN_SCHEME: Final = "tkt"  # noqa: S105 - a prefix, not a secret
LAST_USED_RESOLUTION: Final = timedelta(minutes=1)

metadata = MetaData()

tokens_table = Table(
    "ticketing_api_tokens",
    metadata,
    Column("token_id", Uuid(), primary_key=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("name", String(128), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    Column("last_used_at", UtcDateTime()),
)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored token (never its secret)."""

    token_id: uuid.UUID
    prefix: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def principal(self) -> Principal:
        return Principal(id=self.name, role=self.role, token_id=self.token_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "token_id": str(self.token_id),
            "prefix": self.prefix,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "last_used_at": (
                self.last_used_at.isoformat() if self.last_used_at else None
            ),
        }


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split_token(token: str) -> str | None:
    """The prefix of a well-formed token, else None."""
    scheme, sep, rest = token.partition("_")
    prefix, sep2, secret = rest.partition("_")
    if scheme != TOKEN_SCHEME or not sep or not sep2 or not prefix or not secret:
        return None
    ok = len(prefix) <= 16 and prefix.isascii() and prefix.isalnum()
    return prefix if ok else None


def _record(row: Any) -> TokenRecord:
    m = row._mapping
    return TokenRecord(
        token_id=m["token_id"],
        prefix=m["prefix"],
        name=m["name"],
        role=m["role"],
        created_at=m["created_at"],
        revoked_at=m["revoked_at"],
        last_used_at=m["last_used_at"],
    )


def validate_new_token(name: object, role: object) -> tuple[str, Role]:
    problems: dict[str, str] = {}
    name_problem = check_name(name)
    if name_problem:
        problems["name"] = name_problem
    if role not in ROLES:
        problems["role"] = f"{role!r} is not one of: {', '.join(ROLES)}"
    if problems:
        raise InvalidCommandError.for_fields(problems)
    return str(name), cast("Role", role)


class TokenStore:
    """The ``ticketing_api_tokens`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ensure_schema(self) -> None:
        with schema_transaction(self.engine) as conn:
            metadata.create_all(conn, checkfirst=True)

    def create(
        self, name: object, role: object, now: datetime
    ) -> tuple[TokenRecord, str]:
        """A new token; the returned secret is shown once and never stored."""
        name_, role_ = validate_new_token(name, role)
        prefix = secrets.token_hex(5)
        token = f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
        record = TokenRecord(uuid.uuid4(), prefix, name_, role_, now, None, None)
        with write_transaction(self.engine) as conn:
            conn.execute(
                insert(tokens_table).values(
                    token_id=record.token_id,
                    prefix=prefix,
                    secret_hash=hash_token(token),
                    name=name_,
                    role=role_,
                    created_at=now,
                )
            )
        return record, token

    def verify(self, token: str, now: datetime) -> TokenRecord | None:
        """The live token matching ``token``, or None (unknown, wrong, revoked)."""
        prefix = split_token(token)
        if prefix is None:
            return None
        with read_transaction(self.engine) as conn:
            row = conn.execute(
                select(tokens_table).where(tokens_table.c.prefix == prefix)
            ).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, hash_token(token)):
            return None
        record = _record(row)
        last = record.last_used_at
        if last is None or now - last >= LAST_USED_RESOLUTION:
            with write_transaction(self.engine) as conn:
                conn.execute(
                    update(tokens_table)
                    .where(tokens_table.c.token_id == record.token_id)
                    .values(last_used_at=now)
                )
        return record

    def list_tokens(self, *, include_revoked: bool = False) -> list[TokenRecord]:
        query = select(tokens_table).order_by(
            tokens_table.c.name, tokens_table.c.created_at
        )
        if not include_revoked:
            query = query.where(tokens_table.c.revoked_at.is_(None))
        with read_transaction(self.engine) as conn:
            return [_record(r) for r in conn.execute(query)]

    def revoke(self, ref: str, now: datetime) -> TokenRecord:
        """Revoke by token id or prefix; revoking twice keeps the first time."""
        t = tokens_table.c
        if check_name(ref) is not None:
            raise NotFoundError(f"no API token {ref[:64]!r}", {"token": ref[:64]})
        try:
            where = t.token_id == uuid.UUID(ref)
        except ValueError:
            where = t.prefix == ref
        with write_transaction(self.engine) as conn:
            row = conn.execute(select(tokens_table).where(where)).first()
            if row is None:
                raise NotFoundError(f"no API token {ref!r}", {"token": ref})
            if row.revoked_at is None:
                conn.execute(
                    update(tokens_table)
                    .where(t.token_id == row.token_id)
                    .values(revoked_at=now)
                )
            row = conn.execute(
                select(tokens_table).where(t.token_id == row.token_id)
            ).one()
        return _record(row)
