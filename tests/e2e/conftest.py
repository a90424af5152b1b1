"""End-to-end fixtures: the real server on loopback, on SQLite and on PostgreSQL.

A server starts once per test module and database (migrate, demo load and start take
seconds); tests of one module share it, so each story makes the units it changes its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.service import Service, database, start_service


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """`unitgate serve` with the demo loaded, once on SQLite and once on PostgreSQL."""
    workdir = tmp_path_factory.mktemp(f"service-{request.param}")
    with database(request.param, workdir) as url, start_service(workdir, url) as served:
        yield served
