"""What a diagnosis reads, in one read transaction: the rental and its unit, the PMS sync,
the activation and its message, the account, the unit's lock, and the policy's answer now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, func, or_, select
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from engine.access import Caller
from engine.locks import registered_lock
from engine.persistence import table_of
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

__all__ = ["DoorAnswer", "InboxItem", "MoveIn", "Places", "SectionFacts", "SyncFacts"]


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
    move_in: MoveIn | None
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


_inbox, _transition, _state = (
    table_of(PmsInboxEntry),
    table_of(TransitionRecord),
    table_of(SyncState),
)
_F: BindParameter[str] = bindparam("facility")
_UNIT_REF: BindParameter[str] = bindparam("unit_ref")
_UNIT: BindParameter[str] = bindparam("unit")
# Prebuilt Core statements with bound parameters: a diagnosis is a few dozen reads, and
# building ORM statements anew cost more than running them (5 ms -> 1 ms per section).
_MOVE_IN = (
    select(_transition.c.at, _transition.c.pms_seq)
    .where(
        _transition.c.unit_id == _UNIT,
        _transition.c.source == "pms",
        _transition.c.event == "move_in",
        _transition.c.at >= bindparam("since", type_=_transition.c.at.type),
    )
    .order_by(_transition.c.at, _transition.c.id)
    .limit(1)
)
_not_applied = or_(_inbox.c.status == "pending", _inbox.c.status == "quarantined")
_pending = and_(_inbox.c.facility_id == _F, _inbox.c.status == "pending")
_SYNC = select(
    select(func.max(_inbox.c.processed_at))
    .where(_inbox.c.facility_id == _F, _inbox.c.unit_ref == _UNIT_REF, ~_not_applied)
    .scalar_subquery(),
    select(func.max(_transition.c.at))
    .where(_transition.c.unit_id == _UNIT, _transition.c.source == "pms")
    .scalar_subquery(),
    select(func.count()).where(_pending).scalar_subquery(),
    select(func.min(_inbox.c.received_at)).where(_pending).scalar_subquery(),
    *(
        select(c).where(_state.c.facility_id == _F).scalar_subquery()
        for c in (_state.c.cursor, _state.c.last_poll_at, _state.c.last_worker, _state.c.last_error)
    ),
    select(_state.c.facility_id).where(_state.c.facility_id == _F).exists(),
)
_UNIT_INBOX = (
    select(_inbox.c.id, _inbox.c.seq, _inbox.c.status, _inbox.c.received_at, _inbox.c.error)
    .where(_inbox.c.facility_id == _F, _inbox.c.unit_ref == _UNIT_REF, _not_applied)
    .order_by(_inbox.c.id)
    .limit(20)
)


@dataclass(frozen=True)
class MoveIn:
    """The PMS `move_in` transition that started a rental."""

    at: datetime
    pms_seq: int | None


def move_in_of(s: Session, rental: Rental) -> MoveIn | None:
    """The PMS `move_in` transition that started `rental`."""
    row = (
        s.connection()
        .execute(_MOVE_IN, {"unit": rental.unit_id, "since": rental.started_at})
        .first()
    )
    return MoveIn(row[0], row[1]) if row is not None else None


def sync_facts(s: Session, facility: Facility, unit: Unit) -> SyncFacts:
    """The unit's and the facility's PMS sync."""
    conn = s.connection()
    params = {"facility": facility.id, "unit_ref": unit.pms_ref, "unit": unit.id}
    row: tuple[Any, ...] = tuple(conn.execute(_SYNC, params).one())
    processed, transitioned, pending, oldest = row[:4]
    items = (
        [InboxItem(*r) for r in conn.execute(_UNIT_INBOX, params)]
        if unit.pms_ref is not None
        else []
    )
    cursor, polled, worker, error, has_state = row[4:]
    state = (
        SyncState(
            facility_id=facility.id,
            cursor=cursor,
            last_poll_at=polled,
            last_worker=worker,
            last_error=error,
        )
        if has_state
        else None
    )
    return SyncFacts(
        linked=facility.pms_ref is not None,
        state=state,
        last_unit_sync_at=(processed if unit.pms_ref is not None else None) or transitioned,
        unit_inbox=tuple(items),
        facility_pending=int(pending),
        oldest_pending_at=oldest,
    )


_ACTIVATION = (
    orm_select(Activation, OutboxMessage)
    .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(Activation.message_id))
    .where(Activation.rental_id == bindparam("rental"))
)


def activation_of(s: Session, rental: Rental) -> tuple[Activation | None, OutboxMessage | None]:
    """The rental's activation and its latest message (one statement)."""
    row = s.exec(_ACTIVATION, params={"rental": rental.id}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def lock_of(s: Session, unit: Unit) -> tuple[Door | None, LockDevice | None, LockGateway | None]:
    """The unit's lock door, its registered Bluetooth lock and that lock's gateway."""
    door = s.exec(
        orm_select(Door).where(Door.unit_id == unit.id, col(Door.removed_at).is_(None)).limit(1)
    ).first()
    if door is None or door.lock_ref is None:
        return door, None, None
    lock = registered_lock(s, unit.facility_id, door.lock_ref)
    if lock is None:
        return door, None, None
    gateway = s.get(LockGateway, lock.gateway_id) if lock.gateway_id else None
    return door, lock, gateway
