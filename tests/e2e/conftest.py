"""End-to-end fixtures: the real server on loopback, on SQLite and on PostgreSQL.

A server starts once per test module and database (migrate, demo load and start take
seconds); tests of one module share it, so each story makes the units it changes its own.
With `--service-url URL` (`make smoke`) the tests run once against a server that is
already running instead, e.g. the one `make run` started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.service import Service, attach_service, database, start_service


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """`unitgate serve` with the demo loaded, once on SQLite and once on PostgreSQL."""
    url = request.config.getoption("--service-url")
    if url:
        if request.param != "sqlite":
            pytest.skip("--service-url: the stories run once, against that server")
        with attach_service(url, Path.cwd()) as attached:
            yield attached
        return
    workdir = tmp_path_factory.mktemp(f"service-{request.param}")
    with database(request.param, workdir) as db_url, start_service(workdir, db_url) as served:
        yield served
