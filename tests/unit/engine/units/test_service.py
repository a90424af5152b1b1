"""Applying lifecycle events to stored units: effects, records, atomicity, versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import LifecycleEvent, UnitState
from engine.lifecycle import TransitionRefused
from engine.persistence.tables import (
    AuctionGrant,
    AuditEntry,
    KeyShare,
    Rental,
    SyncConflict,
    TransitionRecord,
    Unit,
)
from engine.runtime import Runtime
from engine.sites import add_person
from engine.units import ConcurrentUpdate, active_rental, expire_due, share_key
from tests.support.world import World, build_world

E = LifecycleEvent


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


def unit_row(world: World, unit_id: str) -> Unit:
    with world.rt.db.read() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        return unit


def test_move_in_creates_rental_and_records_transition(world: World) -> None:
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    unit = unit_row(world, u)
    assert (unit.state, unit.pms_status, unit.last_pms_seq, unit.version) == (
        "occupied",
        "occupied",
        1,
        2,
    )
    with world.rt.db.read() as s:
        rental = active_rental(s, u)
        assert rental is not None
        assert rental.pms_tenant_ref == "T-a"
        records = s.exec(select(TransitionRecord).where(TransitionRecord.unit_id == u)).all()
        assert [(r.event, r.source, r.actor, r.pms_seq) for r in records] == [
            ("move_in", "pms", "pms", 1)
        ]
        entries = s.exec(select(AuditEntry).where(AuditEntry.subject == u)).all()
        assert [e.kind for e in entries] == ["transition"]


def test_refused_event_changes_nothing(world: World) -> None:
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    before = unit_row(world, u)
    with pytest.raises(TransitionRefused):
        world.portal(u, E.RESTORE)
    after = unit_row(world, u)
    assert (after.state, after.version) == (before.state, before.version)
    with world.rt.db.read() as s:
        assert len(s.exec(select(TransitionRecord)).all()) == 1
        assert len(s.exec(select(AuditEntry)).all()) == 1


def test_vacate_removes_users_shares_and_grants(world: World, clock: ManualClock) -> None:
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    with world.rt.db.transaction() as s:
        friend = add_person(s, "Friend", clock.now())
        rental = active_rental(s, u)
        assert rental is not None
        share_key(s, world.rt.audit, rental=rental, grantee_id=friend.id, now=clock.now())
    world.pms(u, E.DELINQUENT_OVER)
    world.portal(u, E.MARK_PENDING_AUCTION, reason="lien")
    world.portal(
        u,
        E.RECORD_AUCTION_SALE,
        grantee=friend.id,
        window_start=clock.now(),
        window_end=clock.now() + timedelta(days=2),
    )
    world.pms(u, E.VACATE, tenant=None)
    unit = unit_row(world, u)
    assert unit.state == "available"
    assert (unit.lien_reason, unit.access_until, unit.emergency_until) == (None, None, None)
    with world.rt.db.read() as s:
        assert s.exec(select(Rental).where(col(Rental.ended_at).is_(None))).all() == []
        assert s.exec(select(KeyShare).where(col(KeyShare.revoked_at).is_(None))).all() == []
        assert (
            s.exec(select(AuctionGrant).where(col(AuctionGrant.revoked_at).is_(None))).all() == []
        )


def test_emergency_ends_by_itself(world: World, clock: ManualClock) -> None:
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    world.portal(
        u,
        E.MARK_PENDING_AUCTION,
        reason="phone locked inside",
        expires_at=clock.now() + timedelta(minutes=30),
    )
    with world.rt.db.transaction() as s:
        assert expire_due(s, world.rt.lifecycle) == []
    clock.advance(timedelta(minutes=30))
    with world.rt.db.transaction() as s:
        applied = expire_due(s, world.rt.lifecycle)
    assert [a.outcome.event for a in applied] == [E.EMERGENCY_EXPIRED]
    unit = unit_row(world, u)
    assert (unit.state, unit.emergency_until) == ("occupied", None)
    with world.rt.db.read() as s:
        last = s.exec(select(TransitionRecord).order_by(col(TransitionRecord.id).desc())).first()
        assert last is not None
        assert (last.source, last.actor) == ("system", "system:clock")


def test_auction_window_end_returns_to_pending_auction(world: World, clock: ManualClock) -> None:
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    world.pms(u, E.DELINQUENT_GATE)
    world.portal(u, E.MARK_PENDING_AUCTION, reason="lien")
    world.portal(
        u,
        E.ASSIGN_CLEANOUT_ACCESS,
        grantee=world.manager_id,
        window_start=clock.now(),
        window_end=clock.now() + timedelta(hours=5),
    )
    clock.advance(timedelta(hours=5))
    with world.rt.db.transaction() as s:
        expire_due(s, world.rt.lifecycle)
    assert unit_row(world, u).state == "pending_auction"
    with world.rt.db.read() as s:
        grant = s.exec(select(AuctionGrant)).one()
        assert grant.revoked_reason == "access window ended"


def test_pms_current_in_auction_is_recorded_as_conflict(world: World, clock: ManualClock) -> None:
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    world.pms(u, E.DELINQUENT_OVER)
    world.portal(u, E.MARK_PENDING_AUCTION, reason="lien")
    world.portal(
        u,
        E.RECORD_AUCTION_SALE,
        grantee=world.manager_id,
        window_start=clock.now(),
        window_end=clock.now() + timedelta(days=1),
    )
    result = world.pms(u, E.CURRENT)
    assert result.outcome == "conflict"
    unit = unit_row(world, u)
    assert (unit.state, unit.pms_status, unit.last_pms_seq) == ("auction", "occupied", 3)
    with world.rt.db.read() as s:
        conflict = s.exec(select(SyncConflict)).one()
        assert conflict.pms_seq == 3
        assert "auction" in conflict.detail


def test_stale_version_loses(world: World) -> None:
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    svc = world.rt.lifecycle
    with world.rt.db.transaction() as s:
        request = svc.request(E.DELINQUENT_GATE, actor="pms", pms_seq=2)
        with pytest.raises(ConcurrentUpdate, match="version 1 is no longer current"):
            svc.apply(s, u, request, expected_version=1)


def test_every_change_is_in_the_verified_chain(world: World) -> None:
    for u in world.units:
        world.pms(u, E.MOVE_IN)
        world.pms(u, E.DELINQUENT_GATE)
    with world.rt.db.read() as s:
        report = verify_chain(s, world.rt.audit)
    assert report.ok
    assert report.entries == 2 * len(world.units)


def test_effective_state_ends_lien_at_its_instant(world: World, clock: ManualClock) -> None:
    from engine.units import effective_state

    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    world.portal(
        u, E.MARK_PENDING_AUCTION, reason="phone", expires_at=clock.now() + timedelta(minutes=5)
    )
    unit = unit_row(world, u)
    assert effective_state(unit, clock.now()) is UnitState.PENDING_AUCTION
    assert effective_state(unit, clock.now() + timedelta(minutes=5)) is UnitState.OCCUPIED
