"""What a diagnosis reads, in one read transaction: the rental and its unit, the PMS sync,
the activation and its message, the account, the unit's lock, and the policy's answer now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from engine.access import Caller
from engine.locks import registered_lock
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
    TransitionRecord,
    Unit,
)

__all__ = ["DoorAnswer", "InboxItem", "Places", "SectionFacts", "SyncFacts"]


@dataclass(frozen=True)
class InboxItem:
    """A PMS event for the unit that is not applied: pending, or quarantined with why."""

    id: int
    seq: int
    status: str
    received_at: datetime
    error: str | None


@dataclass(frozen=True)
class SyncFacts:
    """The PMS sync of the rental's unit and of its facility."""

    linked: bool
    """The facility has a PMS ref (its units are fed by a PMS)."""
    state: SyncState | None
    last_unit_sync_at: datetime | None
    """When the PMS's latest event for the unit was processed (or, without an inbox entry,
    its latest PMS transition)."""
    unit_inbox: tuple[InboxItem, ...]
    facility_pending: int
    oldest_pending_at: datetime | None


@dataclass(frozen=True)
class DoorAnswer:
    """What the policy answers the tenant at one door now (not recorded)."""

    door_id: str
    name: str
    kind: str
    allowed: bool
    reason: str
    rule: str | None
    matched: tuple[str, ...]
    """Every rule that matched the deciding request (the explanation)."""
    request: dict[str, object]


@dataclass(frozen=True)
class Places:
    """Where else the person's account is used (seed 000 step 7)."""

    here: tuple[tuple[str, str], ...]
    """Facilities of this company where the person belongs: (id, name with relations)."""
    other_companies: int
    """Storage companies other than this one where the person rents, holds a key or works
    (counted, never named: another company's customers are not this one's to see)."""


@dataclass(frozen=True)
class SectionFacts:
    """Everything the checks of one rental (or of a tenant without one) look at."""

    now: datetime
    local_today: str
    facility: Facility
    person: Person
    caller: Caller
    rental: Rental | None
    ended: tuple[Rental, ...]
    """The person's ended rentals at the facility, newest first."""
    unit: Unit | None
    unit_state: str | None
    """The unit's effective state now."""
    move_in: TransitionRecord | None
    """The PMS transition that started the rental."""
    sync: SyncFacts | None
    activation: Activation | None
    message: OutboxMessage | None
    places: Places
    door: Door | None
    """The unit's own lock door."""
    lock: LockDevice | None
    gateway: LockGateway | None
    access: tuple[DoorAnswer, ...]


def move_in_of(s: Session, rental: Rental) -> TransitionRecord | None:
    """The PMS `move_in` transition that started `rental`."""
    return s.exec(
        select(TransitionRecord)
        .where(
            TransitionRecord.unit_id == rental.unit_id,
            TransitionRecord.source == "pms",
            TransitionRecord.event == "move_in",
            col(TransitionRecord.at) >= rental.started_at,
        )
        .order_by(col(TransitionRecord.at), col(TransitionRecord.id))
        .limit(1)
    ).first()


def sync_facts(s: Session, facility: Facility, unit: Unit) -> SyncFacts:
    """The unit's and the facility's PMS sync."""
    items: list[InboxItem] = []
    last: datetime | None = None
    if unit.pms_ref is not None:
        rows = s.exec(
            select(PmsInboxEntry)
            .where(
                PmsInboxEntry.facility_id == facility.id,
                PmsInboxEntry.unit_ref == unit.pms_ref,
                col(PmsInboxEntry.status).in_(("pending", "quarantined")),
            )
            .order_by(col(PmsInboxEntry.id))
            .limit(20)
        ).all()
        items = [InboxItem(r.id or 0, r.seq, r.status, r.received_at, r.error) for r in rows]
        last = s.exec(
            select(func.max(PmsInboxEntry.processed_at)).where(
                PmsInboxEntry.facility_id == facility.id,
                PmsInboxEntry.unit_ref == unit.pms_ref,
                col(PmsInboxEntry.status).not_in(("pending", "quarantined")),
            )
        ).one()
    if last is None:
        last = s.exec(
            select(func.max(TransitionRecord.at)).where(
                TransitionRecord.unit_id == unit.id, TransitionRecord.source == "pms"
            )
        ).one()
    pending, oldest = s.exec(
        select(func.count(), func.min(PmsInboxEntry.received_at)).where(
            PmsInboxEntry.facility_id == facility.id, PmsInboxEntry.status == "pending"
        )
    ).one()
    return SyncFacts(
        linked=facility.pms_ref is not None,
        state=s.get(SyncState, facility.id),
        last_unit_sync_at=last,
        unit_inbox=tuple(items),
        facility_pending=int(pending),
        oldest_pending_at=oldest,
    )


def activation_of(s: Session, rental: Rental) -> tuple[Activation | None, OutboxMessage | None]:
    """The rental's activation and its latest message."""
    activation = s.exec(select(Activation).where(Activation.rental_id == rental.id)).first()
    if activation is None or activation.message_id is None:
        return activation, None
    return activation, s.get(OutboxMessage, activation.message_id)


def lock_of(s: Session, unit: Unit) -> tuple[Door | None, LockDevice | None, LockGateway | None]:
    """The unit's lock door, its registered Bluetooth lock and that lock's gateway."""
    door = s.exec(
        select(Door).where(Door.unit_id == unit.id, col(Door.removed_at).is_(None)).limit(1)
    ).first()
    if door is None or door.lock_ref is None:
        return door, None, None
    lock = registered_lock(s, unit.facility_id, door.lock_ref)
    if lock is None:
        return door, None, None
    gateway = s.get(LockGateway, lock.gateway_id) if lock.gateway_id else None
    return door, lock, gateway
