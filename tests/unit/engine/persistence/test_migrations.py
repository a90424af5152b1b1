"""Migrations build the schema from empty on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import engine.persistence.tables  # noqa: F401  (registers every table on the metadata)
from engine.persistence import Database, current_revision, head_revision, upgrade
from engine.persistence._migrate import alembic_config
from tests.support import pg


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.dispose()
        return
    url = pg.create_database()
    db = Database(url)
    yield db
    db.dispose()
    pg.drop_database(url)


def schema_diff(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_upgrade_from_empty_reaches_head(empty_db: Database) -> None:
    assert current_revision(empty_db) is None
    upgrade(empty_db)
    assert current_revision(empty_db) == head_revision()
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_models_and_migrations_agree(empty_db: Database) -> None:
    upgrade(empty_db)
    assert schema_diff(empty_db) == []


def test_upgrade_is_idempotent_and_downgrade_empties(empty_db: Database) -> None:
    upgrade(empty_db)
    upgrade(empty_db)
    config = alembic_config()
    with empty_db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(empty_db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_db)
    assert current_revision(empty_db) == head_revision()


def test_the_comparison_sees_drift(empty_db: Database) -> None:
    # Guards the test above: a column the models do not declare must show up as a difference.
    upgrade(empty_db)
    with empty_db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE unit ADD COLUMN stray INTEGER")
    diff = schema_diff(empty_db)
    assert [d[0] for d in diff] == ["remove_column"]
    assert diff[0][3].name == "stray"
