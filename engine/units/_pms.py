"""PMS events: per-unit sequence numbers, statements of the PMS record, idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session, col, select

from engine.domain import EventSource, LifecycleEvent, UnitState
from engine.errors import InvalidInputError
from engine.lifecycle import PMS_STATUS_AFTER, Outcome
from engine.persistence.tables import Person, Rental, TransitionRecord
from engine.sites import find_person
from engine.units._activation import follow_rentals, start_activations
from engine.units._expiry import expire_if_due
from engine.units._notices import access_change, notify_access_changed
from engine.units._service import LifecycleService
from engine.units._snapshot import expiry_due

__all__ = [
    "PmsEvent",
    "PmsOutcome",
    "PmsResult",
    "PmsTenant",
    "RentalFacts",
    "active_rental",
    "apply_pms_event",
    "check_pms_event",
    "plan_steps",
    "pms_result",
    "same_rental",
    "update_rental",
]

_PMS_EVENTS = frozenset(PMS_STATUS_AFTER)


@dataclass(frozen=True)
class PmsTenant:
    """The tenant and rental facts the PMS sends with an event."""

    tenant_ref: str
    name: str
    lease_start: date
    email: str | None = None
    mobile: str | None = None
    """The mobile number (a connector falls back to the primary phone when there is none)."""
    phone: str | None = None
    rental_ref: str | None = None
    """The PMS's id for the rental (ledger); tells a re-rental by the same tenant from a payment."""


@dataclass(frozen=True)
class PmsEvent:
    """The PMS states that at `seq` the unit's status is the one `event` names.

    Sequence numbers are per unit and increase with every PMS change of that unit.
    """

    unit_id: str
    seq: int
    event: LifecycleEvent
    tenant: PmsTenant | None = None


class PmsOutcome(StrEnum):
    """What happened to a PMS event."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    STALE = "stale"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class PmsResult:
    """The outcome of one PMS event and the lifecycle steps it took."""

    outcome: PmsOutcome
    steps: tuple[Outcome, ...] = field(default_factory=tuple)


class RentalFacts(Protocol):
    """The rental columns PMS events read and write (`Rental` rows and batch copies alike)."""

    pms_tenant_ref: str | None
    pms_rental_ref: str | None
    lease_start: date
    mobile: str | None
    phone: str | None
    email: str | None
    pms_status: str


def active_rental(session: Session, unit_id: str) -> Rental | None:
    """The unit's current rental, if any."""
    return session.exec(
        select(Rental).where(Rental.unit_id == unit_id, col(Rental.ended_at).is_(None))
    ).first()


def apply_pms_event(
    session: Session, service: LifecycleService, ev: PmsEvent, *, restate: bool = False
) -> PmsResult:
    """Bring the unit to the status `ev` states, once, whatever order events arrive in.

    An event at or below the unit's last applied sequence number changes nothing. Because
    each event states the resulting PMS record (status and tenant) rather than a delta,
    the steps are planned from the unit's current state: the newest statement wins and a
    late or repeated one is skipped (invariant 12).

    `restate` applies `ev` even when its number is not newer: an operator's repair when a
    reconcile finds the store disagreeing with the PMS at a number both have (the store's
    number never goes back).

    A unit whose auction window or emergency has reached its end gets that expiry recorded
    first, so the PMS's statement applies to the state it meets (seed 002: the next sync
    returns pending_auction to the PMS status).
    """
    check_pms_event(ev)
    unit = service.load(session, ev.unit_id)
    if expiry_due(unit, service.clock.now()) is not None:
        expire_if_due(session, service, [unit.id])
        unit = service.load(session, unit.id)
    if ev.seq == unit.last_pms_seq and not restate:
        return PmsResult(PmsOutcome.DUPLICATE)
    if ev.seq < unit.last_pms_seq and not restate:
        return PmsResult(PmsOutcome.STALE)
    rental = active_rental(session, unit.id)
    steps: list[Outcome] = []
    started: Rental | None = None
    changes: list[tuple[TransitionRecord, UnitState]] = []
    for event in plan_steps(UnitState(unit.state), rental, ev):
        applied = service.apply(
            session,
            unit.id,
            service.request(event, actor="pms", source=EventSource.PMS, pms_seq=ev.seq),
        )
        steps.append(applied.outcome)
        if event is LifecycleEvent.MOVE_IN:
            assert ev.tenant is not None
            rental = started = _move_in(session, service, unit.id, ev.tenant)
        change = access_change(applied.outcome)
        if change is not None and applied.transition is not None:
            changes.append((applied.transition, change))
    if ev.tenant is not None and rental is not None:
        update_rental(rental, ev.tenant, PMS_STATUS_AFTER[ev.event])
        session.add(rental)
    _tell_tenant(session, service, rental, started, changes)
    if not steps:
        _advance_seq(session, service, unit.id, ev.seq)
        return PmsResult(PmsOutcome.UNCHANGED)
    return pms_result(steps)


def pms_result(steps: list[Outcome]) -> PmsResult:
    """The outcome of an event that took `steps` (at least one)."""
    if any(s.conflict for s in steps):
        return PmsResult(PmsOutcome.CONFLICT, tuple(steps))
    changed = any(s.changed for s in steps)
    return PmsResult(PmsOutcome.APPLIED if changed else PmsOutcome.UNCHANGED, tuple(steps))


def check_pms_event(ev: PmsEvent) -> None:
    """Refuse an event no PMS could send (`InvalidInputError`)."""
    if ev.event not in _PMS_EVENTS:
        raise InvalidInputError(f"`{ev.event}` is not a PMS event")
    if ev.seq < 1:
        raise InvalidInputError(f"PMS sequence number `{ev.seq}` must be positive")


def plan_steps(state: UnitState, rental: RentalFacts | None, ev: PmsEvent) -> list[LifecycleEvent]:
    """The lifecycle events that bring a unit in `state` holding `rental` to what `ev` states."""
    target = PMS_STATUS_AFTER[ev.event]
    if target is UnitState.AVAILABLE:
        return [] if state is UnitState.AVAILABLE else [LifecycleEvent.VACATE]
    tail = [] if target is UnitState.OCCUPIED else [ev.event]
    tenant = ev.tenant
    if state is UnitState.AVAILABLE and tenant is not None:
        return [LifecycleEvent.MOVE_IN, *tail]
    if rental is not None and tenant is not None and not same_rental(rental, tenant):
        return [LifecycleEvent.VACATE, LifecycleEvent.MOVE_IN, *tail]  # a transfer
    if ev.event is LifecycleEvent.MOVE_IN and state is not UnitState.AVAILABLE:
        # A repeated move-in for the same tenant states "occupied": the same as current.
        return [] if state is UnitState.OCCUPIED else [LifecycleEvent.CURRENT]
    return [ev.event]


def same_rental(rental: RentalFacts, tenant: PmsTenant) -> bool:
    """Whether `tenant` speaks of the rental we hold (not a re-rental or a transfer)."""
    if rental.pms_tenant_ref != tenant.tenant_ref:
        return False
    # A statement about another rental of the same tenant means the one we hold has ended.
    return tenant.rental_ref is None or rental.pms_rental_ref in (None, tenant.rental_ref)


def _move_in(
    session: Session, service: LifecycleService, unit_id: str, tenant: PmsTenant
) -> Rental:
    person = _find_or_create_person(session, service, tenant)
    rental = Rental(
        unit_id=unit_id,
        person_id=person.id,
        pms_tenant_ref=tenant.tenant_ref,
        pms_rental_ref=tenant.rental_ref,
        lease_start=tenant.lease_start,
        started_at=service.clock.now(),
    )
    update_rental(rental, tenant, UnitState.OCCUPIED)
    session.add(rental)
    return rental


def _find_or_create_person(
    session: Session, service: LifecycleService, tenant: PmsTenant
) -> Person:
    """Seed 000 step 7: a tenant who already has an account keeps it."""
    person = find_person(session, email=tenant.email, mobile=tenant.mobile)
    if person is None:
        person = Person(
            name=tenant.name,
            email=tenant.email.lower() if tenant.email else None,
            mobile=tenant.mobile,
            created_at=service.clock.now(),
        )
        session.add(person)
        session.flush()
    return person


def update_rental(rental: RentalFacts, tenant: PmsTenant, status: UnitState) -> None:
    """Copy the PMS's rental and contact facts onto `rental`."""
    rental.pms_rental_ref = tenant.rental_ref or rental.pms_rental_ref
    rental.lease_start = tenant.lease_start
    rental.mobile = tenant.mobile or tenant.phone
    rental.phone = tenant.phone
    rental.email = tenant.email
    rental.pms_status = status.value


def _tell_tenant(
    session: Session,
    service: LifecycleService,
    rental: Rental | None,
    started: Rental | None,
    changes: list[tuple[TransitionRecord, UnitState]],
) -> None:
    """The activation of a new rental, a restated one's activation following its contact
    fields, and the access-change messages (the same as `apply_pms_batch` writes)."""
    if rental is None:
        return
    session.flush()
    now = service.clock.now()
    if started is not None:
        start_activations(session, service.activation, [started.id], now)
    else:
        follow_rentals(session, service.activation, [rental.id], now)
    for record, state in changes:
        assert record.id is not None  # INVARIANT: flushed above
        notify_access_changed(session, rental.id, record.id, state, now)


def _advance_seq(session: Session, service: LifecycleService, unit_id: str, seq: int) -> None:
    unit = service.load(session, unit_id)
    values = {"last_pms_seq": max(unit.last_pms_seq, seq), "updated_at": service.clock.now()}
    service.compare_and_set(session, unit, values, "pms sequence update")
