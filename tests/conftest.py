"""Fixtures every test area shares: clocks, migrated databases (SQLite and PostgreSQL), runtimes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from engine.clock import ManualClock
from engine.persistence import Database, upgrade
from engine.runtime import Runtime
from tests.support import pg

AUDIT_KEY = b"test-audit-key-not-secret"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--service-url",
        default=None,
        help="run the end-to-end tests against this running server instead (make smoke)",
    )


@pytest.fixture
def clock() -> ManualClock:
    """A clock at 2026-01-01 12:00 UTC that moves only when told to."""
    return ManualClock()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per run and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "unitgate.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite database for one test."""
    path = tmp_path / "unitgate.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database created and migrated for this run, dropped at its end."""
    url = pg.create_database()
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    pg.drop_database(url)


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """The run's PostgreSQL database, emptied after each test."""
    yield pg_database
    db = Database(pg_database)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def runtime(db_url: str, clock: ManualClock) -> Iterator[Runtime]:
    """Engine services on a fresh database with a manual clock."""
    rt = Runtime.create(db_url, AUDIT_KEY, clock=clock)
    yield rt
    rt.db.dispose()


@pytest.fixture
def sqlite_runtime(sqlite_url: str, clock: ManualClock) -> Iterator[Runtime]:
    """Engine services on a fresh SQLite database only (for fast, SQLite-only tests)."""
    rt = Runtime.create(sqlite_url, AUDIT_KEY, clock=clock)
    yield rt
    rt.db.dispose()
