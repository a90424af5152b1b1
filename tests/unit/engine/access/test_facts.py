"""The access decision's one-query read of a door agrees with the separate reads."""

from __future__ import annotations

from sqlalchemy import select

from engine.access._facts import door_site, door_site_and_units, units_for
from engine.domain import LifecycleEvent
from engine.persistence import table_of
from engine.persistence.tables import Door
from engine.runtime import Runtime
from engine.units import active_rental, share_key
from tests.support.api import tenant_of
from tests.support.world import build_world


def test_door_and_unit_in_one_query_equal_the_separate_reads(runtime: Runtime) -> None:
    world = build_world(runtime)
    world.pms(world.units[0], LifecycleEvent.MOVE_IN, "a")
    world.pms(world.units[1], LifecycleEvent.MOVE_IN, "b")
    tenant = tenant_of(runtime, world.units[0])
    with runtime.db.transaction() as s:
        rental = active_rental(s, world.units[1])
        assert rental is not None
        share_key(s, runtime.audit, rental=rental, grantee_id=tenant, now=runtime.clock.now())
    with runtime.db.read_connection() as conn:
        doors = conn.execute(select(table_of(Door).c.id)).scalars().all()
        assert len(doors) > len(world.units)  # unit locks and entry points
        for door_id in doors:
            for person in (tenant, world.manager_id):
                found = door_site_and_units(conn, door_id, person)
                assert found is not None
                site, units = found
                assert site == door_site(conn, door_id)
                expected = (
                    units_for(conn, [site.unit_id], site.facility_id, person)
                    if site.unit_id is not None
                    else []
                )
                assert units == expected
        assert door_site_and_units(conn, "no-such-door", tenant) is None
