"""The access decision's reads: the one-query door read agrees with the separate reads, and
the SQL form of "another unit of the tenant is delinquent" agrees with `effective_state`."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from engine.access._facts import door_site, door_site_and_units, units_for
from engine.domain import PMS_STATUSES, LifecycleEvent, UnitState
from engine.persistence import table_of
from engine.persistence.tables import Door, Unit
from engine.runtime import Runtime
from engine.sites import add_unit, create_facility
from engine.units import active_rental, effective_state, share_key
from tests.support.api import door_of, tenant_of
from tests.support.world import World, build_world


def test_door_and_unit_in_one_query_equal_the_separate_reads(runtime: Runtime) -> None:
    world = build_world(runtime)
    world.pms(world.units[0], LifecycleEvent.MOVE_IN, "a")
    world.pms(world.units[1], LifecycleEvent.MOVE_IN, "b")
    tenant = tenant_of(runtime, world.units[0])
    with runtime.db.transaction() as s:
        rental = active_rental(s, world.units[1])
        assert rental is not None
        share_key(s, runtime.audit, rental=rental, grantee_id=tenant, now=runtime.clock.now())
    now = runtime.clock.now()
    with runtime.db.read_connection() as conn:
        doors = conn.execute(select(table_of(Door).c.id)).scalars().all()
        assert len(doors) > len(world.units)  # unit locks and entry points
        for door_id in doors:
            for person in (tenant, world.manager_id):
                found = door_site_and_units(conn, door_id, person, now)
                assert found is not None
                site, units = found
                assert site == door_site(conn, door_id)
                expected = (
                    units_for(conn, [site.unit_id], site.facility_id, person, now)
                    if site.unit_id is not None
                    else []
                )
                assert units == expected
        assert door_site_and_units(conn, "no-such-door", tenant, now) is None


_DELINQUENT = (UnitState.GATELOCK, UnitState.OVERLOCK)
_OFFSETS = (
    None,
    -timedelta(days=1),
    -timedelta(microseconds=1),
    timedelta(0),
    timedelta(seconds=1),
)
_lien = st.fixed_dictionaries(
    {
        "state": st.sampled_from(list(UnitState)),
        "pms_status": st.sampled_from(sorted(PMS_STATUSES)),
        "emergency_until": st.sampled_from(_OFFSETS),
        "access_until": st.sampled_from(_OFFSETS),
    }
)


def _tenant_with_units_in_two_facilities(rt: Runtime) -> tuple[World, list[str], str]:
    """One tenant renting four units at the world's facility and one at a second facility."""
    world = build_world(rt, units=4)
    with rt.db.transaction() as s:
        other = create_facility(s, world.company_id, "Acme North", rt.clock.now())
        elsewhere = add_unit(s, other.id, "N001", rt.clock.now()).id
    for unit_id in [*world.units, elsewhere]:
        world.pms(unit_id, LifecycleEvent.MOVE_IN, "a")
    tenant = tenant_of(rt, world.units[0])
    assert tenant_of(rt, elsewhere) == tenant
    return world, world.units, elsewhere


def test_other_unit_delinquent_in_sql_agrees_with_effective_state(runtime: Runtime) -> None:
    world, units, elsewhere = _tenant_with_units_in_two_facilities(runtime)
    tenant = tenant_of(runtime, units[0])
    doors = {u: door_of(runtime, u) for u in units}
    table = table_of(Unit)

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(liens=st.lists(_lien, min_size=5, max_size=5), micros=st.integers(0, 999_999))
    def check(liens: list[dict[str, object]], micros: int) -> None:
        now = datetime(2026, 3, 1, 12, 0, 0, micros, tzinfo=runtime.clock.now().tzinfo)
        facts = {}
        with runtime.db.transaction() as s:
            for unit_id, lien in zip([*units, elsewhere], liens, strict=True):
                values = {
                    **lien,
                    "emergency_until": _at(now, lien["emergency_until"]),
                    "access_until": _at(now, lien["access_until"]),
                }
                s.connection().execute(
                    update(table)
                    .where(table.c.id == unit_id)
                    .values({k: getattr(v, "value", v) for k, v in values.items()})
                )
                facts[unit_id] = SimpleNamespace(**values)
        with runtime.db.read_connection() as conn:
            read = units_for(conn, units, world.facility_id, tenant, now)
            by_door = {u: door_site_and_units(conn, doors[u], tenant, now) for u in units}
        assert [u.id for u in read] == units
        for unit in read:
            expected = any(
                effective_state(facts[o], now) in _DELINQUENT  # type: ignore[arg-type]
                for o in units
                if o != unit.id  # the unit at the other facility never counts
            )
            assert unit.rental is not None
            assert unit.rental.other_unit_delinquent is expected, (unit.id, facts, now)
            found = by_door[unit.id]
            assert found is not None and found[1] == [unit]

    check()


def _at(now: datetime, offset: object) -> datetime | None:
    return None if offset is None else now + offset  # type: ignore[operator]
