"""End-to-end fixtures: the real server on loopback, on SQLite and on PostgreSQL.

A server starts once per test module and database, on a copy of a database migrated and
loaded with the demo once per run by the CLI (as `make run` does: both steps take seconds);
tests of one module share the server, so each story makes the units it changes its own.
With `--service-url URL` (`make smoke`) the tests run once against a server that is
already running instead, e.g. the one `make run` started.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
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


class DemoDatabases:
    """The demo database of each kind, prepared on first use and kept until the run ends."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, stack: ExitStack) -> None:
        self._tmp = tmp_path_factory
        self._stack = stack
        self._urls: dict[str, str] = {}

    def url(self, kind: str) -> str:
        """The URL of the demo database of `kind`, prepared now when it is the first ask."""
        if kind not in self._urls:
            workdir = self._tmp.mktemp(f"demo-{kind}")
            self._urls[kind] = self._stack.enter_context(prepared_database(kind, workdir))
        return self._urls[kind]


@pytest.fixture(scope="session")
def demo_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDatabases]:
    """Both kinds' demo databases live for the whole run: a parametrized session fixture
    would be remade at each switch of kind, which under `pytest -n` (a worker runs a module's
    SQLite and PostgreSQL tests one after the other) is every module."""
    with ExitStack() as stack:
        yield DemoDatabases(tmp_path_factory, stack)


@pytest.fixture(scope="module")
def demo_database(service_kind: str, demo_databases: DemoDatabases) -> str:
    """`unitgate db upgrade` and `unitgate demo load` once per run and database: the copy
    every module's server starts from."""
    return demo_databases.url(service_kind)


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
