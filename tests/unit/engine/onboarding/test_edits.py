"""Site edits below the API: a lost race for a unique key is a conflict, not a crash; a
removal loses to a move-in committed since the unit was read. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from engine.domain import LifecycleEvent
from engine.errors import ConflictError
from engine.onboarding import EditContext, remove_unit
from engine.onboarding import _unit_edits as unit_edits
from engine.persistence.tables import Facility, Unit
from engine.runtime import Runtime
from engine.sites import add_unit
from tests.support.world import build_world


def test_a_unique_key_taken_by_another_writer_is_a_conflict(runtime: Runtime) -> None:
    world = build_world(runtime)

    def insert_taken_number() -> None:
        with runtime.db.transaction() as s:
            ctx = EditContext(s, runtime.audit, runtime.clock.now(), "test")
            with ctx.guarded("unit `U001`"):  # as if the check ran before the other insert
                add_unit(s, world.facility_id, "U001", ctx.now)

    with pytest.raises(ConflictError, match="changed meanwhile"):
        insert_taken_number()


def test_removing_a_unit_loses_to_a_move_in_committed_since_it_was_read(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(runtime)
    unit_id = world.units[2]
    with runtime.db.read() as s:
        stale = s.exec(select(Unit).where(Unit.id == unit_id)).one()
        facility = s.exec(select(Facility).where(Facility.id == world.facility_id)).one()
    world.pms(unit_id, LifecycleEvent.MOVE_IN, "late")  # commits after the unit was read
    # The removal checked "not rented" before the move-in committed:
    monkeypatch.setattr(unit_edits, "is_rented", lambda _session, _unit: False)

    def remove_stale() -> None:
        with runtime.db.transaction() as s:
            ctx = EditContext(s, runtime.audit, runtime.clock.now(), "test")
            remove_unit(ctx, s.merge(stale, load=False), facility)

    with pytest.raises(ConflictError):
        remove_stale()
    with runtime.db.read() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        assert unit.removed_at is None
        assert unit.state == "occupied"
