"""Two companies on one database, and clients for each kind of caller."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engine.domain import LifecycleEvent
from engine.runtime import Runtime
from tests.support.api import app_for, bearer, door_of, tenant_of
from tests.support.world import World, build_world


@dataclass
class Companies:
    """Company A (units: occupied, occupied, available) and company B (the same)."""

    a: World
    b: World
    app: Litestar

    def tenant(self, world: World, index: int = 0) -> str:
        return tenant_of(world.rt, world.units[index])

    def headers(self, world: World, who: str) -> dict[str, str]:
        """`manager`, `tenant` (of unit 0) or `tenant2` (of unit 1), for `world`'s company."""
        if who == "manager":
            return bearer(world.manager_id, world.company_id, "employee")
        index = 0 if who == "tenant" else 1
        return bearer(self.tenant(world, index), world.company_id, "tenant")

    def lock(self, world: World, index: int = 0) -> str:
        return door_of(world.rt, world.units[index])


@pytest.fixture
def companies(sqlite_runtime: Runtime) -> Companies:
    return _companies(sqlite_runtime)


@pytest.fixture
def both_companies(runtime: Runtime) -> Companies:
    """The same two companies, once on SQLite and once on PostgreSQL."""
    return _companies(runtime)


def _companies(rt: Runtime) -> Companies:
    a = build_world(rt, name="Acme")
    b = build_world(rt, name="Bolt")
    for world, tenants in ((a, ("a1", "a2")), (b, ("b1", "b2"))):
        world.pms(world.units[0], LifecycleEvent.MOVE_IN, tenants[0])
        world.pms(world.units[1], LifecycleEvent.MOVE_IN, tenants[1])
        world.remote_locks()
    return Companies(a, b, app_for(rt))


@pytest.fixture
def client(companies: Companies) -> Iterator[TestClient[Litestar]]:
    with TestClient(companies.app) as c:
        yield c
