"""Invariants 11–13 over random PMS and portal event streams with clock advances.

Two units receive the same PMS stream: unit A in order, once; unit B in batches that are
shuffled and contain repeats. Portal actions and clock advances reach both whenever B has
caught up. After every step the lifecycle invariants hold, and whenever B has caught up it
is indistinguishable from A (invariant 12).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)
from sqlmodel import Session, col, select

from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import PMS_STATUSES, EventSource, LifecycleEvent, Permission, UnitState
from engine.errors import UnitgateError
from engine.persistence import Database, upgrade
from engine.persistence.tables import AuctionGrant, KeyShare, TransitionRecord, Unit
from engine.runtime import Runtime
from engine.sites import add_person
from engine.units import PmsEvent, PmsTenant, active_rental, apply_pms_event, expire_due, share_key
from tests.conftest import AUDIT_KEY
from tests.support.world import build_world

E = LifecycleEvent
S = UnitState
EMERGENCY_MAX = timedelta(hours=4)
PMS_EVENTS = {E.MOVE_IN, E.DELINQUENT_GATE, E.DELINQUENT_OVER, E.CURRENT, E.VACATE}
LIEN_STATES = {S.PENDING_AUCTION, S.AUCTION}
MANAGER_PERMISSIONS = frozenset(Permission)
CLERK_PERMISSIONS = frozenset({Permission.FACILITY_VIEW, Permission.ENTRY_OPEN})

_template: Path | None = None


def migrated_copy(directory: Path) -> str:
    """A migrated SQLite database in `directory` (copied from one made once per process)."""
    global _template  # noqa: PLW0603
    if _template is None:
        _template = Path(tempfile.mkdtemp(prefix="unitgate-template-")) / "template.db"
        db = Database(f"sqlite:///{_template}")
        upgrade(db)
        db.dispose()
    target = directory / "unitgate.db"
    shutil.copyfile(_template, target)
    return f"sqlite:///{target}"


@dataclass(frozen=True)
class PmsRecord:
    """What the simulated PMS says about its one unit: status and tenant."""

    status: S = S.AVAILABLE
    tenant: PmsTenant | None = None


class LifecycleStreams(RuleBasedStateMachine):
    """Drives two units with the same PMS stream and the same portal actions."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="unitgate-streams-"))
        self.clock = ManualClock()
        self.rt = Runtime.create(
            migrated_copy(self.dir), AUDIT_KEY, clock=self.clock, emergency_max=EMERGENCY_MAX
        )
        world = build_world(self.rt, units=2)
        self.a, self.b = world.units
        with self.rt.db.transaction() as s:
            self.winner = add_person(s, "Winner", self.clock.now(), email="w@t.example").id
            self.friend = add_person(s, "Friend", self.clock.now(), email="f@t.example").id
        self.pms_record = PmsRecord()
        self.seq = 0
        self.rentals = 0
        self.sent: list[PmsEvent] = []
        """Every PMS event so far, in PMS order (unit A's copy)."""
        self.pending: list[PmsEvent] = []
        """Events unit B has not been sent yet."""

    def teardown(self) -> None:
        with self.rt.db.read() as s:
            report = verify_chain(s, self.rt.audit)
        self.rt.db.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)
        assert report.ok, report.problems

    # --- helpers -----------------------------------------------------------------------

    def deliver(self, unit_id: str, ev: PmsEvent) -> None:
        with self.rt.db.transaction() as s:
            apply_pms_event(s, self.rt.lifecycle, replace(ev, unit_id=unit_id))

    def observe(self, unit_id: str) -> dict[str, Any]:
        """Everything about a unit that a person or a decision could notice."""
        with self.rt.db.read() as s:
            unit = s.get(Unit, unit_id)
            assert unit is not None
            rental = active_rental(s, unit_id)
            return {
                "state": unit.state,
                "pms_status": unit.pms_status,
                "last_pms_seq": unit.last_pms_seq,
                "lien_reason": unit.lien_reason,
                "emergency_until": unit.emergency_until,
                "access_until": unit.access_until,
                "rental": rental
                and (rental.pms_tenant_ref, rental.pms_rental_ref, rental.mobile, rental.email),
                "shares": len(_active(s, KeyShare, unit_id)),
                "grants": sorted(g.kind for g in _active(s, AuctionGrant, unit_id)),
            }

    def both(self, action: Any) -> None:
        """Run `action(unit_id)` on A and on B; both must succeed or both refuse alike."""
        outcomes = []
        for unit_id in (self.a, self.b):
            try:
                with self.rt.db.transaction() as s:
                    action(s, unit_id)
                outcomes.append(None)
            except UnitgateError as exc:
                outcomes.append(type(exc).__name__)
        assert outcomes[0] == outcomes[1], outcomes

    # --- PMS ---------------------------------------------------------------------------

    @rule(
        choice=st.sampled_from(["gate", "over", "current", "vacate", "contact"]),
        tenant=st.sampled_from(["t1", "t2"]),
    )
    def pms_change(self, choice: str, tenant: str) -> None:
        """The PMS changes its record; unit A hears about it at once, B later."""
        rec = self.pms_record
        lease = (self.clock.now() - timedelta(days=10)).date()
        if rec.tenant is None:
            self.rentals += 1
            person = PmsTenant(
                tenant,
                f"Tenant {tenant}",
                lease,
                email=f"{tenant}@t.example",
                phone="+15550000",
                rental_ref=f"R{self.rentals}",
            )
            self.pms_record, event = PmsRecord(S.OCCUPIED, person), E.MOVE_IN
        elif choice == "vacate":
            self.pms_record, event = PmsRecord(), E.VACATE
        elif choice == "contact":
            assert rec.tenant is not None
            person = replace(rec.tenant, mobile=f"+1555{self.seq:04d}")
            self.pms_record = replace(rec, tenant=person)
            event = {
                S.OCCUPIED: E.CURRENT,
                S.GATELOCK: E.DELINQUENT_GATE,
                S.OVERLOCK: E.DELINQUENT_OVER,
            }[rec.status]
        else:
            event = {"gate": E.DELINQUENT_GATE, "over": E.DELINQUENT_OVER, "current": E.CURRENT}[
                choice
            ]
            status = {E.DELINQUENT_GATE: S.GATELOCK, E.DELINQUENT_OVER: S.OVERLOCK}
            self.pms_record = replace(rec, status=status.get(event, S.OCCUPIED))
        self.seq += 1
        ev = PmsEvent(self.a, self.seq, event, self.pms_record.tenant)
        self.deliver(self.a, ev)
        self.sent.append(ev)
        self.pending.append(ev)

    @precondition(lambda self: self.pending)
    @rule(data=st.data())
    def deliver_batch_to_b(self, data: st.DataObject) -> None:
        """Unit B receives the pending events shuffled, some of them twice."""
        batch = data.draw(st.permutations(self.pending), label="order")
        repeats = data.draw(st.lists(st.sampled_from(self.sent), max_size=3), label="repeats")
        for i, ev in enumerate(repeats):
            at = data.draw(st.integers(0, len(batch) + i), label="repeat position")
            batch.insert(at, ev)
        for ev in batch:
            self.deliver(self.b, ev)
        self.pending.clear()

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def replay_to_a(self, data: st.DataObject) -> None:
        """Replaying old events to A changes nothing at all."""
        before = self.observe(self.a)
        for ev in data.draw(st.lists(st.sampled_from(self.sent), min_size=1, max_size=3)):
            self.deliver(self.a, ev)
        assert self.observe(self.a) == before

    # --- portal ------------------------------------------------------------------------

    def portal(self, event: LifecycleEvent, permitted: bool, **details: Any) -> Any:
        svc = self.rt.lifecycle
        actor = "person:manager" if permitted else "person:clerk"
        permissions = MANAGER_PERMISSIONS if permitted else CLERK_PERMISSIONS

        def action(session: Session, unit_id: str) -> None:
            request = svc.request(event, actor=actor, permissions=permissions, **details)
            svc.apply(session, unit_id, request)

        return action

    @precondition(lambda self: not self.pending)
    @rule(permitted=st.booleans())
    def mark_pending_auction(self, permitted: bool) -> None:
        self.both(self.portal(E.MARK_PENDING_AUCTION, permitted, reason="lien sale notice"))

    @precondition(lambda self: not self.pending)
    @rule(permitted=st.booleans(), minutes=st.integers(1, 6 * 60))
    def emergency(self, permitted: bool, minutes: int) -> None:
        """Seed 001: a phone locked inside; access for a bounded time."""
        expires = self.clock.now() + timedelta(minutes=minutes)
        self.both(
            self.portal(
                E.MARK_PENDING_AUCTION,
                permitted,
                reason="tenant phone locked in unit; ID checked at counter",
                expires_at=expires,
            )
        )

    @precondition(lambda self: not self.pending)
    @rule(
        permitted=st.booleans(),
        cleanout=st.booleans(),
        hours=st.integers(1, 72),
    )
    def auction_access(self, permitted: bool, cleanout: bool, hours: int) -> None:
        event = E.ASSIGN_CLEANOUT_ACCESS if cleanout else E.RECORD_AUCTION_SALE
        now = self.clock.now()
        self.both(
            self.portal(
                event,
                permitted,
                grantee=self.winner,
                reason="auction",
                window_start=now,
                window_end=now + timedelta(hours=hours),
            )
        )

    @precondition(lambda self: not self.pending)
    @rule(permitted=st.booleans())
    def restore(self, permitted: bool) -> None:
        self.both(self.portal(E.RESTORE, permitted, reason="payment arrangement"))

    @precondition(lambda self: not self.pending)
    @rule()
    def share_a_key(self) -> None:
        def action(session: Session, unit_id: str) -> None:
            rental = active_rental(session, unit_id)
            if rental is None:
                return
            share_key(
                session,
                self.rt.audit,
                rental=rental,
                grantee_id=self.friend,
                now=self.clock.now(),
            )

        self.both(action)

    @precondition(lambda self: not self.pending)
    @rule(minutes=st.integers(1, 24 * 60))
    def advance_clock(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
        with self.rt.db.transaction() as s:
            expire_due(s, self.rt.lifecycle)

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def pms_states_only_via_pms_lien_states_only_via_permitted_portal(self) -> None:
        """Invariant 11 (first half), checked on every recorded transition."""
        with self.rt.db.read() as s:
            records = s.exec(select(TransitionRecord)).all()
        for r in records:
            event, to_state = E(r.event), S(r.to_state)
            if event in PMS_EVENTS:
                assert r.source == EventSource.PMS, r
            elif event in {E.ACCESS_EXPIRED, E.EMERGENCY_EXPIRED}:
                assert r.source == EventSource.SYSTEM, r
            else:
                assert (r.source, r.actor) == (EventSource.PORTAL, "person:manager"), r
            if to_state in PMS_STATUSES and r.source != EventSource.PMS:
                # Leaving a lien state returns to what the PMS last said, nothing else.
                assert to_state == S(r.pms_status), r

    @invariant()
    def outside_liens_the_unit_is_what_the_pms_says(self) -> None:
        for unit_id in (self.a, self.b):
            seen = self.observe(unit_id)
            if S(seen["state"]) not in LIEN_STATES:
                assert seen["state"] == seen["pms_status"], seen

    @invariant()
    def vacate_leaves_nothing_assigned(self) -> None:
        """Invariant 11 (second half)."""
        for unit_id in (self.a, self.b):
            seen = self.observe(unit_id)
            if seen["state"] == S.AVAILABLE:
                assert (seen["rental"], seen["shares"], seen["grants"]) == (None, 0, []), seen

    @invariant()
    def emergency_access_ends_within_its_bound(self) -> None:
        """Invariant 13: an emergency is bounded and never outlives its end."""
        now = self.clock.now()
        with self.rt.db.read() as s:
            for unit_id in (self.a, self.b):
                unit = s.get(Unit, unit_id)
                assert unit is not None
                if unit.emergency_until is None:
                    continue
                assert unit.state == S.PENDING_AUCTION
                assert now < unit.emergency_until
                started = s.exec(
                    select(TransitionRecord.at)
                    .where(TransitionRecord.unit_id == unit_id)
                    .order_by(col(TransitionRecord.id).desc())
                ).first()
                assert started is not None
                assert unit.emergency_until - started <= EMERGENCY_MAX

    @invariant()
    def order_and_repeats_do_not_matter(self) -> None:
        """Invariant 12: once B has every event, it is indistinguishable from A."""
        if not self.pending:
            assert self.observe(self.a) == self.observe(self.b)


def _active(session: Session, table: Any, unit_id: str) -> list[Any]:
    return list(
        session.exec(
            select(table).where(table.unit_id == unit_id, col(table.revoked_at).is_(None))
        ).all()
    )


LifecycleStreams.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_lifecycle_streams = LifecycleStreams.TestCase
