"""Alembic migrations, run programmatically (the migrations ship inside the wheel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy import Integer
from sqlalchemy.types import TypeEngine

from engine.persistence._database import Database

__all__ = [
    "alembic_config",
    "applied_revisions",
    "compare_types",
    "current_revision",
    "head_revision",
    "upgrade",
]

_MIGRATIONS = Path(__file__).with_name("migrations")


def compare_types(
    context: MigrationContext,
    _inspected_column: Any,
    _metadata_column: Any,
    inspected_type: TypeEngine[Any],
    metadata_type: TypeEngine[Any],
) -> bool | None:
    """Alembic's type comparison, except that INTEGER and BIGINT are one type on SQLite (its
    integers are 64-bit whatever the declaration; the migrations leave SQLite's INTEGER
    columns alone rather than rebuild referenced tables). None: Alembic's own rule decides."""
    if context.dialect.name == "sqlite" and all(
        isinstance(t, Integer) for t in (inspected_type, metadata_type)
    ):
        return False
    return None


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Migrate `db` to `revision` (default: the newest)."""
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(db: Database) -> str | None:
    """The revision `db` is at, or None for an empty database."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of unitgate."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def applied_revisions(before: str | None, after: str | None) -> set[str]:
    """The revisions an upgrade from `before` to `after` applied (None: an empty database)."""
    if after is None or before == after:
        return set()
    script = ScriptDirectory.from_config(alembic_config())
    try:
        return {r.revision for r in script.iterate_revisions(after, before or "base")}
    except RevisionError:  # `after` is not above `before`: nothing was applied
        return set()
