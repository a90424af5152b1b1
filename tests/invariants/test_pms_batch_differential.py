"""`apply_pms_batch` against the reference, `apply_pms_event` one event at a time.

Two copies of one store (units in every lifecycle state, tenants, key shares, auction grants)
take the same PMS events, with repeats and in any order: one event by event through the ORM
path, the other in batches of any size. Every row they write must be the same, and the
audit chains identical to the last hash.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, select
from sqlmodel import Session

from adapters.pms import PmsRecord, to_event
from adapters.pms.sim import PmsModel
from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import LifecycleEvent, Permission, UnitState
from engine.errors import UnitgateError
from engine.persistence import table_of
from engine.persistence.tables import (
    AuctionGrant,
    AuditEntry,
    KeyShare,
    Person,
    Rental,
    SyncConflict,
    TransitionRecord,
    Unit,
)
from engine.runtime import Runtime
from engine.sites import add_person
from engine.units import PmsEvent, active_rental, apply_pms_batch, apply_pms_event, share_key
from tests.conftest import AUDIT_KEY
from tests.invariants.test_lifecycle_streams import migrated_copy
from tests.support.pms import link_facility

_LIEN_PERMISSIONS = frozenset(
    {
        Permission.LIEN_MARK_PENDING_AUCTION,
        Permission.AUCTION_RECORD_SALE,
        Permission.LIEN_EMERGENCY,
    }
)
_ENDS_DURING_THE_BATCHES = timedelta(minutes=10)
"""Each batch moves the clock 7 minutes: later batches meet these liens past their end."""


def _portal_actions(rt: Runtime, s: Session, choices: list[int]) -> None:
    """Liens, sales (some windows ending during the batches, some not), emergencies and key
    shares on the units, as employees and tenants make them."""
    service, now = rt.lifecycle, rt.clock.now()
    winner = add_person(s, "Winner", now, email="winner@example.com")
    friend = add_person(s, "Friend", now, email="friend@example.com")
    units = s.exec(select(Unit).order_by(Unit.number)).scalars().all()  # type: ignore[call-overload]
    for unit, choice in zip(units, itertools.cycle(choices), strict=False):
        state = UnitState(unit.state)
        if state in (UnitState.GATELOCK, UnitState.OVERLOCK) and choice % 3:
            mark = service.request(
                LifecycleEvent.MARK_PENDING_AUCTION,
                actor="manager",
                permissions=_LIEN_PERMISSIONS,
                reason="lien sale notice sent",
            )
            service.apply(s, unit.id, mark)
            if choice % 3 == 2:
                window = _ENDS_DURING_THE_BATCHES if choice == 2 else timedelta(days=2)
                sale = service.request(
                    LifecycleEvent.RECORD_AUCTION_SALE,
                    actor="manager",
                    permissions=_LIEN_PERMISSIONS,
                    grantee=winner.id,
                    window_start=now,
                    window_end=now + window,
                )
                service.apply(s, unit.id, sale)
        elif state is UnitState.OCCUPIED and choice == 4:
            urgent = service.request(
                LifecycleEvent.MARK_PENDING_AUCTION,
                actor="manager",
                permissions=_LIEN_PERMISSIONS,
                reason="phone locked in the unit",
                expires_at=now + _ENDS_DURING_THE_BATCHES,
            )
            service.apply(s, unit.id, urgent)
        rental = active_rental(s, unit.id)
        if rental is not None and choice % 2:
            share_key(s, rt.audit, rental=rental, grantee_id=friend.id, now=now)


def _dump(rt: Runtime) -> dict[str, Any]:
    """Every row the PMS path writes, without generated ids (people by email instead)."""
    with rt.db.read() as s:
        conn = s.connection()
        people = {r.id: (r.name, r.email, r.mobile) for r in conn.execute(select(table_of(Person)))}

        def rows(table: Table, drop: tuple[str, ...] = ("id",)) -> list[tuple[Any, ...]]:
            out = []
            for r in conn.execute(select(table)):
                m = dict(r._mapping)
                for key in ("person_id", "grantee_id"):
                    if key in m:
                        m[key] = people[m[key]]
                out.append(tuple(v for k, v in sorted(m.items()) if k not in drop))
            return sorted(out, key=repr)

        return {
            "units": rows(table_of(Unit), ()),
            "rentals": rows(table_of(Rental)),
            "people": sorted(people.values(), key=repr),
            "transitions": rows(table_of(TransitionRecord)),
            "conflicts": rows(table_of(SyncConflict)),
            "shares": rows(table_of(KeyShare), ("id", "rental_id")),
            "grants": rows(table_of(AuctionGrant)),
            "audit": rows(table_of(AuditEntry)),
        }


_LATE_CHANGES: list[list[dict[str, str]]] = [
    [{"delinquency": "none"}],
    [{"status": "vacant"}],
    [{"delinquency": "none"}, {"delinquency": "overlock"}],
    [{"delinquency": "none"}, {"delinquency": "none"}, {"status": "vacant"}],
]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[PmsModel, int, list[int], list[int], list[list[int]]]:
    """A PMS stream, how much of it precedes the portal actions, the actions, and the rest
    delivered with repeats, in any order, cut into batches."""
    model = PmsModel.build(["F1"], 6, seed=draw(st.integers(0, 10_000)), occupancy=0.7)
    for _ in range(draw(st.integers(1, 30))):
        model.step()
    occupied = sorted(r for r, u in model.facilities["F1"].items() if u["status"] == "occupied")
    if occupied:  # delinquent tenants the portal can take to auction
        for ref in draw(st.lists(st.sampled_from(occupied), unique=True)):
            stage = draw(st.sampled_from(["gatelock", "overlock"]))
            model.change("F1", ref, {"delinquency": stage})
    prefix = len(model.log)
    delinquent = sorted(
        ref
        for ref, unit in model.facilities["F1"].items()
        if unit.get("delinquency") in ("gatelock", "overlock")
    )
    for _ in range(draw(st.integers(0, 30))):
        model.step()
    if delinquent:  # payments (conflicts on auctioned units), vacates (grants end), and
        # the records after a payment that close its conflict: delinquent again, or vacated
        for ref in delinquent:
            for change in draw(st.sampled_from(_LATE_CHANGES)):
                model.change("F1", ref, change)
    n = len(model.log)
    choices = draw(st.lists(st.integers(0, 5), min_size=1, max_size=6))
    rest = list(range(prefix, n)) + draw(st.lists(st.integers(0, n - 1), max_size=n))
    # In the PMS's order too: a payment then the record that closes its conflict, applied.
    order = rest if draw(st.booleans()) else draw(st.permutations(rest))
    cuts = sorted(draw(st.lists(st.integers(0, len(order)), max_size=6)))
    batches = [order[a:b] for a, b in itertools.pairwise([0, *cuts, len(order)])]
    return model, prefix, choices, order, batches


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_a_batch_writes_what_the_events_write_one_by_one(
    scenario: tuple[PmsModel, int, list[int], list[int], list[list[int]]],
) -> None:
    model, prefix, choices, _, batches = scenario
    with tempfile.TemporaryDirectory() as folder:
        reference = Runtime.create(migrated_copy(Path(folder)), AUDIT_KEY, clock=ManualClock())
        linked = link_facility(reference, model, "F1")

        def event(i: int) -> PmsEvent:
            record = PmsRecord.model_validate(model.log[i][1])
            return to_event(record, linked.unit_ids[record.unit_ref])

        with reference.db.transaction() as s:
            for i in range(prefix):
                apply_pms_event(s, reference.lifecycle, event(i))
            _portal_actions(reference, s, choices)
        reference.db.dispose()
        shutil.copyfile(Path(folder) / "unitgate.db", Path(folder) / "batched.db")
        batched = Runtime.create(
            f"sqlite:///{Path(folder) / 'batched.db'}", AUDIT_KEY, clock=ManualClock()
        )
        try:
            for batch in batches:
                events = [event(i) for i in batch]
                expected = _outcomes(reference, events, as_set=False)
                assert _outcomes(batched, events, as_set=True) == expected
                for rt in (reference, batched):
                    assert isinstance(rt.clock, ManualClock)
                    rt.clock.advance(timedelta(minutes=7))
            assert _dump(batched) == _dump(reference)
            with batched.db.read() as s:
                assert verify_chain(s, batched.audit, linked.facility_id).ok
        finally:
            reference.db.dispose()
            batched.db.dispose()


def _outcomes(rt: Runtime, events: list[PmsEvent], *, as_set: bool) -> list[str] | str:
    """Each event's outcome, or the error that refused the events (nothing of them kept)."""
    try:
        with rt.db.transaction() as s:
            if as_set:
                return [r.outcome.value for r in apply_pms_batch(s, rt.lifecycle, events)]
            return [apply_pms_event(s, rt.lifecycle, ev).outcome.value for ev in events]
    except UnitgateError as exc:
        return type(exc).__name__
