"""End-to-end fixtures: the real server on loopback, on SQLite and on PostgreSQL.

A server starts once per test module and database, on a copy of a database migrated and
loaded with the demo once per run by the CLI (as `make run` does: both steps take seconds);
tests of one module share the server, so each story makes the units it changes its own.
With `--service-url URL` (`make smoke`) the tests run once against a server that is
already running instead, e.g. the one `make run` started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.service import (
    Service,
    attach_service,
    database,
    prepared_database,
    start_service,
)


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]
)
def service_kind(request: pytest.FixtureRequest) -> str:
    """The database the module's server runs on: each test runs on SQLite and PostgreSQL."""
    return str(request.param)


@pytest.fixture(scope="session")
def demo_database(service_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`unitgate db upgrade` and `unitgate demo load` once per run and database: the copy
    every module's server starts from."""
    workdir = tmp_path_factory.mktemp(f"demo-{service_kind}")
    with prepared_database(service_kind, workdir) as url:
        yield url


@pytest.fixture(scope="module")
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, service_kind: str
) -> Iterator[Service]:
    """`unitgate serve` with the demo loaded, once on SQLite and once on PostgreSQL."""
    url = request.config.getoption("--service-url")
    if url:
        if service_kind != "sqlite":
            pytest.skip("--service-url: the stories run once, against that server")
        with attach_service(url, Path.cwd()) as attached:
            yield attached
        return
    template = request.getfixturevalue("demo_database")
    workdir = tmp_path_factory.mktemp(f"service-{service_kind}")
    with (
        database(service_kind, workdir, template) as db_url,
        start_service(workdir, db_url, prepared=True) as served,
    ):
        yield served
