"""Column types and id helpers shared by the tables."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["BIG_ID", "PMS_SEQ", "UTCDateTime", "new_id", "stable_id", "table_of"]

_NAMESPACE = uuid.UUID("6f1f5a52-54a1-4f8e-9a47-3b0c5b4f2e11")


PMS_SEQ = BigInteger
"""A PMS sequence number: 64-bit (specs/pms-api.md allows up to 2^62; PostgreSQL's INTEGER
stops at 2^31 - 1)."""

BIG_ID = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit row id. SQLite's INTEGER is already 64-bit and only `INTEGER PRIMARY KEY` is its
auto-numbered rowid (a `BIGINT` key would not be), so SQLite keeps INTEGER."""


def new_id() -> str:
    """A fresh random id (UUID4 text): ids never reveal how many objects exist."""
    return str(uuid.uuid4())


def stable_id(*parts: str) -> str:
    """A deterministic id from natural keys (UUID5 text): reloading data reuses ids."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime `{value.isoformat()}`: use an aware UTC value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def table_of(model: type[Any]) -> Table:
    """The Core table of a sqlmodel table class, for prebuilt statements on hot paths."""
    table = model.__table__
    assert isinstance(table, Table)  # INVARIANT: table=True models are mapped to a Table.
    return table
