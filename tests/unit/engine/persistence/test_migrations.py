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
from engine.persistence._migrate import alembic_config, compare_types
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
        context = MigrationContext.configure(conn, opts={"compare_type": compare_types})
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


def test_0006_keeps_the_tenants_words_for_shares_that_made_their_grantee(
    empty_db: Database,
) -> None:
    """A share that created the grantee's account named it as the tenant did: that label is
    kept; a share to an account that existed before gets none (its name is not the tenant's)."""
    upgrade(empty_db, "0003")
    t0, t1 = "2026-01-01 10:00:00", "2026-01-02 10:00:00"
    rows = [
        "INSERT INTO company VALUES ('c', 'C', '2026-01-01 00:00:00')",
        "INSERT INTO facility (id, company_id, name, pms_ref, timezone, access_opens,"
        " access_closes, created_at) VALUES ('f', 'c', 'F', NULL, 'UTC', '06:00:00',"
        " '22:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO unit (id, facility_id, number, state, pms_status, version, last_pms_seq,"
        " updated_at) VALUES ('u', 'f', '1', 'occupied', 'occupied', 1, 1, '2026-01-01 00:00:00')",
        f"INSERT INTO person VALUES ('tenant', 'Tia', NULL, NULL, '{t0}')",
        f"INSERT INTO person VALUES ('old', 'Otto Elsewhere', 'o@x.example', NULL, '{t0}')",
        f"INSERT INTO person VALUES ('new', 'Nan (as the tenant typed)', NULL, NULL, '{t1}')",
        "INSERT INTO rental (id, unit_id, person_id, lease_start, pms_status, started_at)"
        f" VALUES ('r', 'u', 'tenant', '2026-01-01', 'occupied', '{t0}')",
        "INSERT INTO key_share (id, unit_id, rental_id, grantee_id, created_at)"
        f" VALUES ('s-old', 'u', 'r', 'old', '{t1}')",
        "INSERT INTO key_share (id, unit_id, rental_id, grantee_id, created_at)"
        f" VALUES ('s-new', 'u', 'r', 'new', '{t1}')",
    ]
    with empty_db.engine.begin() as conn:
        for row in rows:
            conn.exec_driver_sql(row)
    upgrade(empty_db)
    with empty_db.engine.connect() as conn:
        labels = dict(conn.exec_driver_sql("SELECT id, grantee_label FROM key_share").all())
    assert labels == {"s-old": None, "s-new": "Nan (as the tenant typed)"}
