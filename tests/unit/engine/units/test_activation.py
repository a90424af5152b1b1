"""Activations (seed 000) written with the move-in, on both PMS paths: the route, the lease
start in the facility's time zone, existing accounts, contact changes, redeem and resend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from engine.clock import ManualClock
from engine.domain import LifecycleEvent
from engine.persistence.tables import Activation, Facility, OutboxMessage
from engine.runtime import Runtime
from engine.units import (
    ActivationStatus,
    ExpiryConfig,
    ExpiryDuty,
    PmsEvent,
    PmsTenant,
    ResendTooSoon,
    apply_pms_batch,
    apply_pms_event,
    code_matches,
    next_release_at,
    redeem_activation,
    release_due,
    resend_activation,
)
from tests.support.world import World, build_world

E = LifecycleEvent
MOBILE, PHONE = "+14155552671", "+14155552672"


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


@pytest.fixture(params=[False, True], ids=["one_event", "batch"])
def batch(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def tenant(ref: str = "a", lease: date | None = None, **contact: str | None) -> PmsTenant:
    return PmsTenant(
        f"T-{ref}",
        f"Tenant {ref}",
        lease or date(2026, 1, 1),
        **contact,  # type: ignore[arg-type]
    )


def push(world: World, unit_id: str, ev: LifecycleEvent, t: PmsTenant | None, batch: bool) -> None:
    world.seqs[unit_id] = world.seqs.get(unit_id, 0) + 1
    event = PmsEvent(unit_id, world.seqs[unit_id], ev, t)
    with world.rt.db.transaction() as s:
        if batch:
            apply_pms_batch(s, world.rt.lifecycle, [event])
        else:
            apply_pms_event(s, world.rt.lifecycle, event)


def activations(world: World) -> list[Activation]:
    with world.rt.db.read() as s:
        return list(s.exec(select(Activation).order_by(col(Activation.created_at))).all())


def messages(world: World, kind: str = "activation") -> list[OutboxMessage]:
    with world.rt.db.read() as s:
        rows = s.exec(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind)
            .order_by(col(OutboxMessage.idempotency_key))
        ).all()
        return list(rows)


def set_facility(world: World, **values: Any) -> None:
    with world.rt.db.transaction() as s:
        s.execute(update(Facility).where(col(Facility.id) == world.facility_id).values(**values))


def test_lease_today_sends_the_code_by_sms_to_the_mobile(world: World, batch: bool) -> None:
    push(world, world.units[0], E.MOVE_IN, tenant(mobile=MOBILE, phone=PHONE), batch)
    [a] = activations(world)
    [m] = messages(world)
    assert (a.status, a.channel, a.recipient, a.sends) == ("sent", "sms", MOBILE, 1)
    assert (m.channel, m.recipient, m.status) == ("sms", MOBILE, "queued")
    assert m.idempotency_key == f"activation/{a.id}/1" and a.message_id == m.id
    assert m.secret is not None and code_matches(m.secret, a.pin_hash)
    assert m.secret not in str(m.payload) and a.pin_hash and m.secret not in a.pin_hash
    assert m.payload["app_link"].endswith(f"?a={a.id}.1")
    assert m.payload["unit_number"] == "U001" and m.payload["tenant_name"] == "Tenant a"
    assert m.payload["expires_on"] == "2026-01-08"


def test_no_mobile_falls_back_to_the_primary_phone(world: World, batch: bool) -> None:
    push(world, world.units[0], E.MOVE_IN, tenant(mobile=None, phone="(415) 555-2672"), batch)
    [m] = messages(world)
    assert (m.channel, m.recipient) == ("sms", PHONE)


def test_email_registration_gets_an_email_with_a_pin_and_no_sms(world: World, batch: bool) -> None:
    push(world, world.units[0], E.MOVE_IN, tenant(email="Ann@T.example"), batch)
    [a] = activations(world)
    [m] = messages(world)
    assert (m.channel, m.recipient) == ("email", "ann@t.example")
    assert m.secret is not None and code_matches(m.secret, a.pin_hash)


def test_a_future_lease_waits_for_the_facility_local_date(
    world: World, clock: ManualClock, batch: bool
) -> None:
    """Invariant 7: at 2026-01-01 12:00 UTC it is still Jan 1 in Chicago; the lease starts
    Jan 2 there, i.e. at 06:00 UTC."""
    set_facility(world, timezone="America/Chicago")
    push(world, world.units[0], E.MOVE_IN, tenant(lease=date(2026, 1, 2), mobile=MOBILE), batch)
    [a] = activations(world)
    assert (a.status, a.due_on) == ("scheduled", date(2026, 1, 2))
    assert messages(world) == []
    with world.rt.db.read() as s:
        assert next_release_at(s) == datetime(2026, 1, 2, 6, 0, tzinfo=UTC)
    config = world.rt.lifecycle.activation
    clock.set(datetime(2026, 1, 2, 5, 59, tzinfo=UTC))
    with world.rt.db.transaction() as s:
        assert release_due(s, config, clock.now()) == (0, False)
    assert messages(world) == []
    clock.set(datetime(2026, 1, 2, 6, 0, tzinfo=UTC))
    with world.rt.db.transaction() as s:
        assert release_due(s, config, clock.now()) == (1, False)
    with world.rt.db.transaction() as s:
        assert release_due(s, config, clock.now()) == (0, False)  # sent once
    [m] = messages(world)
    assert m.recipient == MOBILE and activations(world)[0].status == "sent"
    with world.rt.db.read() as s:
        assert next_release_at(s) is None


def test_a_lease_moved_to_today_is_sent_at_once(world: World, batch: bool) -> None:
    u = world.units[0]
    push(world, u, E.MOVE_IN, tenant(lease=date(2026, 2, 1), mobile=MOBILE), batch)
    assert messages(world) == []
    push(world, u, E.CURRENT, tenant(lease=date(2026, 1, 1), mobile=MOBILE), batch)
    assert [m.recipient for m in messages(world)] == [MOBILE]


def test_an_existing_account_gets_no_new_code(world: World, batch: bool) -> None:
    push(world, world.units[0], E.MOVE_IN, tenant(email="ann@t.example"), batch)
    push(world, world.units[1], E.MOVE_IN, tenant("a2", email="ann@t.example"), batch)
    first, second = activations(world)
    assert first.person_id == second.person_id
    assert (first.status, second.status) == ("sent", ActivationStatus.EXISTING_ACCOUNT)
    assert len(messages(world)) == 1


def test_an_employee_renting_has_an_account(world: World, batch: bool) -> None:
    push(world, world.units[0], E.MOVE_IN, tenant(email="manager@acme.example"), batch)
    [a] = activations(world)
    assert a.status == ActivationStatus.EXISTING_ACCOUNT and messages(world) == []


def test_a_corrected_mobile_gets_a_new_code(world: World, batch: bool) -> None:
    u = world.units[0]
    push(world, u, E.MOVE_IN, tenant(mobile="+14155552690"), batch)
    old = messages(world)[0].secret
    assert old is not None
    push(world, u, E.CURRENT, tenant(mobile="+1 415 555 2691"), batch)
    _, second = messages(world)
    [a] = activations(world)
    assert (second.recipient, second.idempotency_key) == ("+14155552691", f"activation/{a.id}/2")
    assert a.recipient == "+14155552691" and a.sends == 2 and a.message_id == second.id
    assert not code_matches(old, a.pin_hash)
    push(world, u, E.CURRENT, tenant(mobile="+1 415 555 2691"), batch)  # same route: nothing
    assert len(messages(world)) == 2


def test_redeem_once_with_bounded_attempts_and_expiry(world: World, clock: ManualClock) -> None:
    push(world, world.units[0], E.MOVE_IN, tenant(mobile=MOBILE), False)
    push(world, world.units[1], E.MOVE_IN, tenant("b", mobile="+14155552673"), False)
    a = next(x for x in activations(world) if x.recipient == MOBILE)
    code = next(m.secret for m in messages(world) if m.recipient == MOBILE)
    assert code is not None
    config, now = world.rt.lifecycle.activation, clock.now()
    with world.rt.db.transaction() as s:
        other = next(m.secret for m in messages(world) if m.recipient != MOBILE)
        assert other is not None and other != code
        assert redeem_activation(s, config, other, now, contact=MOBILE) is None
        got = redeem_activation(s, config, code, now, contact="(415) 555-2671")
    assert got is not None and got.person_id == a.person_id
    assert (got.company_id, got.facility_id) == (world.company_id, world.facility_id)
    with world.rt.db.transaction() as s:
        assert redeem_activation(s, config, code, now, contact=MOBILE) is None  # used
        assert redeem_activation(s, config, code, now, link=f"{a.id}.1") is None


def test_wrong_codes_lock_until_a_resend_and_codes_expire(world: World, clock: ManualClock) -> None:
    push(world, world.units[0], E.MOVE_IN, tenant(email="ann@t.example"), False)
    [a] = activations(world)
    code = messages(world)[0].secret
    assert code is not None
    config = world.rt.lifecycle.activation
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(config.max_attempts):
        with world.rt.db.transaction() as s:
            assert redeem_activation(s, config, wrong, clock.now(), link=f"{a.id}.1") is None
    with world.rt.db.transaction() as s:
        assert redeem_activation(s, config, code, clock.now(), contact="ann@t.example") is None
        resend_activation(s, config, a.rental_id, clock.now())
    fresh = messages(world)[-1].secret
    assert fresh is not None
    clock.advance(timedelta(days=config.valid_days, seconds=1))
    with world.rt.db.transaction() as s:
        assert redeem_activation(s, config, fresh, clock.now(), link=f"{a.id}.2") is None
        resend_activation(s, config, a.rental_id, clock.now())
    newest = messages(world)[-1].secret
    assert newest is not None
    with world.rt.db.transaction() as s:
        assert redeem_activation(s, config, newest, clock.now(), link=f"{a.id}.2") is None
        assert redeem_activation(s, config, newest, clock.now(), link=f"{a.id}.3") is not None


def test_resends_are_rate_limited(world: World, clock: ManualClock) -> None:
    push(world, world.units[0], E.MOVE_IN, tenant(mobile=MOBILE), False)
    [a] = activations(world)
    config = world.rt.lifecycle.activation
    for _ in range(config.resends_per_hour - 1):
        clock.advance(timedelta(minutes=10))
        with world.rt.db.transaction() as s:
            resend_activation(s, config, a.rental_id, clock.now())
    with pytest.raises(ResendTooSoon) as refused, world.rt.db.transaction() as s:
        resend_activation(s, config, a.rental_id, clock.now())
    assert refused.value.retry_after == 60 * 60 - 20 * 60 + 1
    clock.advance(timedelta(minutes=41))
    with world.rt.db.transaction() as s:
        resend_activation(s, config, a.rental_id, clock.now())
    assert len(messages(world)) == config.resends_per_hour + 1


def test_delinquency_tells_the_tenant_unless_turned_off(world: World, batch: bool) -> None:
    u = world.units[0]
    t = tenant(mobile=MOBILE)
    push(world, u, E.MOVE_IN, t, batch)
    push(world, u, E.DELINQUENT_GATE, t, batch)
    push(world, u, E.DELINQUENT_OVER, t, batch)
    push(world, u, E.CURRENT, t, batch)
    sent = messages(world, "access_changed")
    sent.sort(key=lambda m: int(m.idempotency_key.removeprefix("access_changed/")))
    assert [(m.payload["state"], m.recipient) for m in sent] == [
        ("gatelock", MOBILE),
        ("overlock", MOBILE),
        ("occupied", MOBILE),
    ]
    assert "suspended" in sent[0].payload["summary"]
    set_facility(world, notifications_off=["access_changed"])
    push(world, u, E.DELINQUENT_GATE, t, batch)
    assert len(messages(world, "access_changed")) == 3


def test_the_expiry_duty_releases_and_wakes_for_the_next_local_midnight(
    world: World, clock: ManualClock
) -> None:
    set_facility(world, timezone="America/Chicago")
    push(world, world.units[0], E.MOVE_IN, tenant(lease=date(2026, 1, 2), mobile=MOBILE), False)
    duty = ExpiryDuty(world.rt.db, world.rt.lifecycle, ExpiryConfig(poll_seconds=60 * 60 * 24))
    assert duty.run_once().sleep_seconds == 18 * 60 * 60  # 12:00 UTC to 06:00 UTC
    assert messages(world) == []
    clock.set(datetime(2026, 1, 2, 6, 0, tzinfo=UTC))
    duty.run_once()
    assert [m.recipient for m in messages(world)] == [MOBILE]
    assert duty.totals["activation_released"] == 1


@pytest.mark.pg
def test_two_duties_release_an_activation_once(pg_url: str, clock: ManualClock) -> None:
    """PostgreSQL: a second duty's round skips the activation the first one holds."""
    from tests.conftest import AUDIT_KEY

    rt = Runtime.create(pg_url, AUDIT_KEY, clock=clock)
    try:
        world = build_world(rt)
        push(world, world.units[0], E.MOVE_IN, tenant(lease=date(2026, 1, 2), mobile=MOBILE), False)
        clock.set(datetime(2026, 1, 2, 0, 0, tzinfo=UTC))
        config = rt.lifecycle.activation
        with rt.db.transaction() as first:
            assert release_due(first, config, clock.now()) == (1, False)
            with rt.db.transaction() as second:  # while the first holds the row
                assert release_due(second, config, clock.now()) == (0, False)
        with rt.db.transaction() as s:
            assert release_due(s, config, clock.now()) == (0, False)
        assert [m.recipient for m in messages(world)] == [MOBILE]
    finally:
        rt.db.dispose()
