"""PMS access-level names map onto the facility's levels in the sync; unknown ones are
reported as sync conflicts, not dropped."""

from __future__ import annotations

from sqlmodel import select

from adapters.pms import PmsRecord
from adapters.sync import process_pending
from engine.onboarding import EditContext, LevelSpec, put_level
from engine.persistence.tables import Facility, Rental, SyncConflict, Unit
from engine.runtime import Runtime
from tests.unit.adapters.sync.test_inbox import _facility, _rec, _receive


def _level(rt: Runtime, fid: str, name: str, *pms_names: str) -> str:
    with rt.db.transaction() as s:
        facility = s.get(Facility, fid)
        assert facility is not None
        ctx = EditContext(s, rt.audit, rt.clock.now(), "test")
        return put_level(ctx, facility, LevelSpec(name, pms_names=pms_names)).id


def _rental_level(rt: Runtime, fid: str, ref: str) -> str | None:
    with rt.db.read() as s:
        unit = s.exec(select(Unit).where(Unit.facility_id == fid, Unit.pms_ref == ref)).one()
        rental = s.exec(
            select(Rental).where(Rental.unit_id == unit.id, Rental.ended_at == None)  # noqa: E711
        ).one()
        return rental.access_level_id


def _conflicts(rt: Runtime, fid: str) -> list[str]:
    """The open conflicts of the facility."""
    with rt.db.read() as s:
        rows = s.exec(select(SyncConflict).where(SyncConflict.facility_id == fid)).all()
        return [f"{c.event}: {c.detail}" for c in rows if c.resolved_at is None]


def test_a_pms_access_level_name_maps_onto_a_level(runtime: Runtime) -> None:
    fid = _facility(runtime)
    gold = _level(runtime, fid, "gold", "Gold 24h")
    _receive(runtime, fid, _rec("U0", 1, access_level="gold 24H"), _rec("U1", 1))
    done = process_pending(runtime, fid)
    assert done.outcomes == {"applied": 2} and done.unknown_access_levels == []
    assert _rental_level(runtime, fid, "U0") == gold
    assert _rental_level(runtime, fid, "U1") is None  # absent: left as it is
    _receive(runtime, fid, _rec("U0", 2, access_level=""))
    process_pending(runtime, fid)
    assert _rental_level(runtime, fid, "U0") is None  # empty: cleared
    assert _conflicts(runtime, fid) == []


def test_an_unknown_name_is_reported_and_maps_nothing(runtime: Runtime) -> None:
    """One open report per unit: the PMS's newest record stands (an older report closes
    when a later record comes, as every sync conflict does)."""
    fid = _facility(runtime)
    gold = _level(runtime, fid, "gold", "Gold")
    _receive(runtime, fid, _rec("U0", 1, access_level="Platinum"))
    assert process_pending(runtime, fid).unknown_access_levels == ["Platinum"]
    _receive(runtime, fid, _rec("U0", 2, access_level="Platinum", phone="+15550001"))
    process_pending(runtime, fid)
    assert _rental_level(runtime, fid, "U0") is None
    assert _conflicts(runtime, fid) == [
        "access_level: unknown PMS access level `Platinum`: the tenant holds the facility's"
        " levels only"
    ]
    _receive(runtime, fid, _rec("U0", 3, access_level="Gold"))
    process_pending(runtime, fid)
    assert _rental_level(runtime, fid, "U0") == gold
    assert _conflicts(runtime, fid) == []


def test_the_record_carries_the_access_level_field() -> None:
    record = PmsRecord.model_validate(
        {"unit_ref": "U", "seq": 1, "status": "vacant", "access_level": " Gold "}
    )
    assert record.access_level == "Gold"


def test_of_several_records_in_one_batch_the_newest_name_stands(runtime: Runtime) -> None:
    fid = _facility(runtime)
    gold = _level(runtime, fid, "gold", "Gold")
    _receive(
        runtime,
        fid,
        _rec("U0", 1, access_level="Platinum"),
        _rec("U0", 2, access_level="Platinum", phone="+15550001"),
        _rec("U1", 1, access_level="Platinum"),
        _rec("U1", 2, access_level="Gold"),
    )
    assert process_pending(runtime, fid).unknown_access_levels == ["Platinum"]
    assert _rental_level(runtime, fid, "U1") == gold
    assert _conflicts(runtime, fid) == [
        "access_level: unknown PMS access level `Platinum`: the tenant holds the facility's"
        " levels only"
    ]
