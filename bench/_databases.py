"""The databases a benchmark runs on: a fresh SQLite file, and a fresh PostgreSQL database
when a server is reachable (dropped afterwards)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("UNITGATE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_database() -> str | None:
    base = make_url(PG_URL)
    name = f"unitgate_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # no server: report and skip
        print(f"PostgreSQL unavailable ({type(exc).__name__}); skipping the PostgreSQL run")
        return None
    return base.set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    target = make_url(url)
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def databases() -> Iterator[list[tuple[str, str]]]:
    """`[(name, url)]`: SQLite, then PostgreSQL unless unreachable (said on stdout)."""
    with database_sets(1) as sets:
        yield [(name, urls[0]) for name, urls in sets]


@contextmanager
def database_sets(copies: int) -> Iterator[list[tuple[str, list[str]]]]:
    """`[(name, [url] * copies)]`: `copies` separate databases of each kind, for arms that
    must not share one (a server's background duty would work on the other arm's rows)."""
    with tempfile.TemporaryDirectory() as folder:
        runs = [("SQLite", [f"sqlite:///{Path(folder) / f'bench{n}.db'}" for n in range(copies)])]
        pgs = [url for url in (_pg_database() for _ in range(copies)) if url is not None]
        if len(pgs) == copies:
            runs.append(("PostgreSQL", pgs))
        try:
            yield runs
        finally:
            for url in pgs:
                _drop(url)
