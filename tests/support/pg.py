"""PostgreSQL for tests: reachability, and a database created and dropped per run."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """The PostgreSQL URL tests may use (UNITGATE_TEST_PG_URL or the machine default)."""
    return os.environ.get("UNITGATE_TEST_PG_URL", DEFAULT_URL)


def required() -> bool:
    """CI sets UNITGATE_REQUIRE_PG=1: then a missing server fails instead of skipping."""
    return os.environ.get("UNITGATE_REQUIRE_PG") == "1"


def unavailable(reason: str) -> None:
    """Skip, or fail when PostgreSQL is required."""
    message = f"PostgreSQL unavailable ({reason}); set UNITGATE_TEST_PG_URL to run these tests"
    if required():
        pytest.fail(message + " [UNITGATE_REQUIRE_PG=1]", pytrace=False)
    pytest.skip(message)


def create_database(template: str | None = None) -> str:
    """Create a fresh database on the test server and return its URL (a copy of the database
    at URL `template` when given; nobody may be connected to that one)."""
    base = make_url(server_url())
    name = f"unitgate_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        admin.dispose()
    except Exception as exc:  # any connection failure means "no server here"
        unavailable(f"{base.render_as_string(hide_password=True)}: {type(exc).__name__}")
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by `create_database`, closing its other sessions."""
    target = make_url(url)
    admin = create_engine(
        target.set(database=make_url(server_url()).database), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()
