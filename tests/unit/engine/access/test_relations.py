"""Which requests the policy is asked for a person at a door (one per relation)."""

from __future__ import annotations

from engine.access import Caller, candidates, company_door
from engine.domain import Channel, LifecycleEvent, PrincipalKind, Relation
from engine.runtime import Runtime
from engine.units import share_key
from tests.support.api import door_of, tenant_of
from tests.support.world import build_world


def _asked(rt: Runtime, caller: Caller, door_id: str) -> list[tuple[PrincipalKind, Relation]]:
    with rt.db.read() as s:
        conn = s.connection()
        site = company_door(conn, caller, door_id)
        found = candidates(conn, caller, site, Channel.PHONE_RELAY, rt.clock.now(), frozenset())
    return [(c.request.principal, c.request.relation) for c in found]


def test_employee_with_a_shared_key_is_asked_as_holder_and_as_employee(
    sqlite_runtime: Runtime,
) -> None:
    world = build_world(sqlite_runtime)
    world.pms(world.units[0], LifecycleEvent.MOVE_IN, "a")
    tenant = tenant_of(sqlite_runtime, world.units[0])
    with sqlite_runtime.db.transaction() as s:
        from engine.units import active_rental

        rental = active_rental(s, world.units[0])
        assert rental is not None
        share_key(
            s,
            sqlite_runtime.audit,
            rental=rental,
            grantee_id=world.manager_id,
            now=sqlite_runtime.clock.now(),
        )
    lock = door_of(sqlite_runtime, world.units[0])
    manager = Caller(world.manager_id, world.company_id, "employee")
    assert _asked(sqlite_runtime, manager, lock) == [
        (PrincipalKind.EMPLOYEE, Relation.SHARED),
        (PrincipalKind.EMPLOYEE, Relation.NONE),
    ]
    assert _asked(sqlite_runtime, Caller(tenant, world.company_id, "tenant"), lock) == [
        (PrincipalKind.TENANT, Relation.TENANT)
    ]


def test_a_stranger_is_asked_once_with_no_relation(sqlite_runtime: Runtime) -> None:
    world = build_world(sqlite_runtime)
    world.pms(world.units[0], LifecycleEvent.MOVE_IN, "a")
    world.pms(world.units[1], LifecycleEvent.MOVE_IN, "b")
    other = tenant_of(sqlite_runtime, world.units[1])
    stranger = Caller(other, world.company_id, "tenant")
    lock = door_of(sqlite_runtime, world.units[0])
    assert _asked(sqlite_runtime, stranger, lock) == [(PrincipalKind.TENANT, Relation.NONE)]
    # At the gate the same person is asked about the unit they rent.
    assert _asked(sqlite_runtime, stranger, world.gate_id) == [
        (PrincipalKind.TENANT, Relation.TENANT)
    ]
