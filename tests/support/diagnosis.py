"""A tenant for whom every item of seed 000's checklist passes, and one way to break each.

Activation and outbox rows are written as their owners write them (`engine.notify.enqueue`,
an `Activation` row, a status update as the sender records it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta

from sqlmodel import Session, select

from adapters.notify import Outcome, mark, receive_report, sign_report
from engine.domain import LifecycleEvent
from engine.notify import Channel, MessageKind, MessageStatus, Outgoing, enqueue
from engine.persistence.tables import (
    Activation,
    Door,
    Facility,
    LockDevice,
    LockGateway,
    OutboxMessage,
    Person,
    PmsInboxEntry,
    Rental,
    SyncState,
    Unit,
)
from engine.runtime import Runtime
from engine.units import (
    ActivationConfig,
    PmsEvent,
    PmsTenant,
    active_rental,
    apply_pms_event,
    resend_activation,
)
from tests.support.world import World, build_world

MOBILE = "07400 123456"
"""A UK mobile number as a tenant types it (the facility is in GB)."""
E164 = "+447400123456"
LANDLINE = "020 7946 0018"
EMAIL = "alex@tenant.example"
TENANT_REF = "T-ALEX"


@dataclass
class Healthy:
    """The world, its tenant and their unit."""

    world: World
    person_id: str
    unit_id: str
    rental_id: str
    message_id: str

    @property
    def rt(self) -> Runtime:
        return self.world.rt


def healthy_tenant(rt: Runtime) -> Healthy:
    """A tenant who moved in through the PMS an hour ago: synced, occupied, a valid mobile,
    the activation SMS delivered, the lease started, the app seen, the unit's lock healthy
    behind a reachable gateway, and the policy letting them in now."""
    world = build_world(rt, units=2)
    unit_id = world.units[0]
    with rt.db.transaction() as s:
        facility = s.get(Facility, world.facility_id)
        assert facility is not None
        facility.pms_ref, facility.country, facility.timezone = "F-1", "GB", "Europe/London"
        facility.access_opens = facility.access_closes = time(0, 0)  # around the clock
        unit = s.get(Unit, unit_id)
        assert unit is not None
        unit.pms_ref = "U-1"
        s.add_all([facility, unit])
    lease = (rt.clock.now() - timedelta(days=3)).date()
    tenant = PmsTenant(TENANT_REF, "Alex Tenant", lease, email=EMAIL, mobile=MOBILE)
    with rt.db.transaction() as s:
        apply_pms_event(s, rt.lifecycle, PmsEvent(unit_id, 1, LifecycleEvent.MOVE_IN, tenant))
    world.seqs[unit_id] = 1
    world.remote_locks()
    moved_in = rt.clock.now()
    rt.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    now = rt.clock.now()
    with rt.db.transaction() as s:
        rental = active_rental(s, unit_id)
        assert rental is not None
        s.add(
            PmsInboxEntry(
                facility_id=world.facility_id,
                unit_ref="U-1",
                seq=1,
                source="poll",
                payload="{}",
                received_at=moved_in,
                status="applied",
                processed_at=moved_in,
            )
        )
        s.add(SyncState(facility_id=world.facility_id, last_poll_at=now - timedelta(seconds=20)))
        activation = s.exec(select(Activation).where(Activation.rental_id == rental.id)).first()
        if activation is None:  # the move-in wrote none: write it as the activation does
            activation = Activation(
                rental_id=rental.id,
                person_id=rental.person_id,
                facility_id=world.facility_id,
                due_on=lease,
                status="sent",
                channel="sms",
                recipient=E164,
                sends=1,
                last_sent_at=moved_in,
                created_at=moved_in,
            )
            activation.message_id = enqueue(
                s,
                Outgoing(
                    world.facility_id,
                    MessageKind.ACTIVATION,
                    Channel.SMS,
                    E164,
                    f"activation/{activation.id}/1",
                    person_id=rental.person_id,
                ),
                moved_in,
            )
            s.add(activation)
        assert activation.status == "sent" and activation.recipient == E164
        message_id = activation.message_id
        assert message_id is not None
        person = s.get(Person, rental.person_id)
        assert person is not None
        person.app_seen_at = now - timedelta(minutes=10)
        s.add(person)
        _healthy_locks(s, world.facility_id, now)
        ids = rental.person_id, rental.id
    healthy = Healthy(world, ids[0], unit_id, ids[1], message_id)
    sender_reports(healthy, MessageStatus.DELIVERED)
    return healthy


def _healthy_locks(s: Session, facility_id: str, now: object) -> None:
    for lock in s.exec(select(LockDevice).where(LockDevice.facility_id == facility_id)):
        lock.health = {
            "battery_percent": 88,
            "battery": "good",
            "connectivity": "connected",
            "tamper": False,
            "jammed": False,
            "clock_drift": 0,
            "drifting": False,
            "advice": [],
        }
        lock.last_contact_at = lock.status_at = now  # type: ignore[assignment]
        s.add(lock)
    for gateway in s.exec(select(LockGateway).where(LockGateway.facility_id == facility_id)):
        gateway.reachable, gateway.last_seen_at = True, now  # type: ignore[assignment]
        s.add(gateway)


_REPORT_SECRET = "diagnosis-test-report-secret"


def sender_reports(h: Healthy, status: MessageStatus, reason: str | None = None) -> None:
    """The message sent by the outbox's sender (`adapters.notify.mark`) and then, unless
    `status` is `sent`, the provider's signed delivery report for it (`receive_report`)."""
    rt, provider_id = h.rt, f"provider-{h.message_id}"
    sent_at = rt.clock.now() - timedelta(minutes=50)
    mark(rt.db, [Outcome(h.message_id, MessageStatus.SENT, provider_id)], sent_at)
    if status is MessageStatus.SENT:
        return
    report = {"id": provider_id, "reference": h.message_id, "status": status.value}
    body = json.dumps(report | ({"error": reason} if reason else {})).encode()
    stamp = int(rt.clock.now().timestamp())
    signature = sign_report(_REPORT_SECRET.encode(), stamp, body)
    receive_report(
        rt.db,
        "sms",
        _REPORT_SECRET,
        signature,
        str(stamp),
        body,
        unix_now=stamp,
        now=rt.clock.now(),
    )


def _rental(h: Healthy, change: Callable[[Rental], None]) -> None:
    with h.rt.db.transaction() as s:
        rental = s.get(Rental, h.rental_id)
        assert rental is not None
        change(rental)
        s.add(rental)


def _activation(h: Healthy, change: Callable[[Activation], None]) -> None:
    with h.rt.db.transaction() as s:
        a = s.exec(select(Activation).where(Activation.rental_id == h.rental_id)).one()
        change(a)
        s.add(a)


def _set(obj: object, **values: object) -> None:
    for key, value in values.items():
        setattr(obj, key, value)


def break_rental(h: Healthy) -> None:
    """The PMS vacated the unit; the tenant's new rental is not processed there yet."""
    h.world.pms(h.unit_id, LifecycleEvent.VACATE, None)


def break_sync(h: Healthy) -> None:
    """A PMS event for the unit was received ten minutes ago and is still pending."""
    with h.rt.db.transaction() as s:
        s.add(
            PmsInboxEntry(
                facility_id=h.world.facility_id,
                unit_ref="U-1",
                seq=2,
                source="webhook",
                payload="{}",
                received_at=h.rt.clock.now() - timedelta(minutes=10),
            )
        )


def break_unit_state(h: Healthy) -> None:
    """The PMS reports the account delinquent: gatelock."""
    tenant = PmsTenant(
        TENANT_REF, "Alex Tenant", h.rt.clock.now().date() - timedelta(days=3), EMAIL, MOBILE
    )
    with h.rt.db.transaction() as s:
        ev = PmsEvent(h.unit_id, 2, LifecycleEvent.DELINQUENT_GATE, tenant)
        apply_pms_event(s, h.rt.lifecycle, ev)


def break_wrong_number(h: Healthy) -> None:
    _rental(h, lambda r: _set(r, mobile="12345", phone=None))


def break_landline(h: Healthy) -> None:
    _rental(h, lambda r: _set(r, mobile=LANDLINE, phone=None))


def break_email_registration(h: Healthy) -> None:
    """The tenant registered with an email: no number in the PMS; the link went by email."""
    _rental(h, lambda r: _set(r, mobile=None, phone=None))
    _activation(h, lambda a: _set(a, channel="email", recipient=EMAIL))
    with h.rt.db.transaction() as s:
        m = s.get(OutboxMessage, h.message_id)
        assert m is not None
        m.channel, m.recipient = "email", EMAIL
        s.add(m)


def break_delivery(h: Healthy) -> None:
    """An employee resent the code; the provider reports that message failed."""
    with h.rt.db.transaction() as s:
        h.message_id = resend_activation(s, ActivationConfig(), h.rental_id, h.rt.clock.now())
    sender_reports(h, MessageStatus.FAILED, "30003: unreachable destination handset")


def break_lease(h: Healthy) -> None:
    """The lease starts in ten days: the activation waits for it."""
    start = h.rt.clock.now().date() + timedelta(days=10)
    _rental(h, lambda r: _set(r, lease_start=start))
    _activation(h, lambda a: _set(a, status="scheduled", due_on=start, message_id=None, sends=0))


def break_battery(h: Healthy) -> None:
    with h.rt.db.transaction() as s:
        door = s.exec(select(Door).where(Door.unit_id == h.unit_id)).one()
        lock = s.get(LockDevice, door.lock_ref)
        assert lock is not None and lock.health is not None
        health = dict(lock.health)
        health |= {"battery": "low", "battery_percent": 12, "advice": ["replace the battery"]}
        lock.health = health
        s.add(lock)


def break_policy(h: Healthy) -> None:
    """Access hours that have ended for the day."""
    with h.rt.db.transaction() as s:
        facility = s.get(Facility, h.world.facility_id)
        assert facility is not None
        facility.access_opens, facility.access_closes = time(6, 0), time(7, 0)
        s.add(facility)


BREAKS: dict[str, Callable[[Healthy], None]] = {
    "rental": break_rental,
    "sync": break_sync,
    "unit_state": break_unit_state,
    "mobile/wrong number": break_wrong_number,
    "mobile/landline": break_landline,
    "email": break_email_registration,
    "message": break_delivery,
    "lease": break_lease,
    "battery": break_battery,
    "access": break_policy,
}
"""The check each break makes fail (`check/variant`), and how."""

__all__ = ["BREAKS", "E164", "EMAIL", "Healthy", "healthy_tenant", "sender_reports"]
