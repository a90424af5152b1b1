"""The limits on what badly signed pushes store: per address and facility a minute, per
facility an hour from every address together; the rest only counted. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from adapters.pms.sim import PmsModel
from adapters.sync import PER_ADDRESS_PER_MINUTE, PER_FACILITY_PER_HOUR, refuse_unsigned
from engine.clock import ManualClock
from engine.persistence.tables import PmsRefusalTally, PmsRejection
from engine.runtime import Runtime
from tests.support.pms import link_facility


def _refuse(rt: Runtime, facility_id: str, address: str) -> bool:
    with rt.db.transaction() as s:
        return refuse_unsigned(s, facility_id, address, lambda: "bad", b"x" * 5000, rt.clock.now())


def _kept_and_dropped(rt: Runtime, facility_id: str) -> tuple[int, int]:
    with rt.db.read() as s:
        kept = s.exec(select(func.count()).where(PmsRejection.facility_id == facility_id)).one()
        tally = s.get(PmsRefusalTally, facility_id)
        return kept, tally.dropped if tally else 0


def test_many_addresses_cannot_multiply_what_is_kept(runtime: Runtime, clock: ManualClock) -> None:
    f1 = link_facility(runtime, PmsModel.build(["F1"], 1, seed=1), "F1").facility_id
    f2 = link_facility(runtime, PmsModel.build(["F2"], 1, seed=1), "F2", "Other").facility_id
    kept = [_refuse(runtime, f1, "10.0.0.1") for _ in range(PER_ADDRESS_PER_MINUTE + 3)]
    assert kept == [True] * PER_ADDRESS_PER_MINUTE + [False] * 3
    assert _refuse(runtime, f2, "10.0.0.1")  # another facility has its own limit
    clock.advance(timedelta(seconds=61))
    assert _refuse(runtime, f1, "10.0.0.1")  # a new minute
    for i in range(PER_FACILITY_PER_HOUR):
        _refuse(runtime, f1, f"2001:db8::{i:x}")
    assert _kept_and_dropped(runtime, f1) == (PER_FACILITY_PER_HOUR, 3 + 11)
    clock.advance(timedelta(hours=1))
    assert _refuse(runtime, f1, "2001:db8::1")
    assert _kept_and_dropped(runtime, f2) == (1, 0)
