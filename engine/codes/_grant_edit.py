"""Giving, changing and cancelling code grants (the `code_grant` table), each written to
the facility's audit log in the same transaction; the reconciler does the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from engine.access import person_in_company
from engine.audit import AuditLog
from engine.codes._grants import MAX_BUFFER
from engine.errors import InvalidInputError, NotFoundError, RefusedError
from engine.persistence.tables import CodeGrant, Door, Facility, KeypadLock, Person

__all__ = [
    "GRANT_KINDS",
    "TEMPORARY_MAX",
    "GrantChange",
    "GrantSpec",
    "cancel_grant",
    "change_grant",
    "create_grant",
    "holder_in_company",
]

GRANT_KINDS = ("temporary", "vendor", "reservation")
"""What `POST .../code-grants` gives (a clean-out window is the auction grant's own)."""
TEMPORARY_MAX = timedelta(days=1)
"""The longest window of a `temporary` grant (a mover's or visitor's day)."""


@dataclass(frozen=True)
class GrantSpec:
    """A grant to give: its doors, window, buffers and holder (a person of the company, or
    a name with a phone or email for someone without an account)."""

    kind: str
    door_ids: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    reference: str | None = None
    person_id: str | None = None
    holder_name: str | None = None
    holder_phone: str | None = None
    holder_email: str | None = None


@dataclass(frozen=True)
class GrantChange:
    """What a change of a grant moves (None: kept)."""

    door_ids: tuple[str, ...] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None


def _check_window(kind: str, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInputError(
            f"`ends_at` {ends_at.isoformat()} is not after `starts_at` {starts_at.isoformat()}"
        )
    if ends_at <= now:
        raise InvalidInputError(f"`ends_at` {ends_at.isoformat()} has passed")
    if kind == "temporary" and ends_at - starts_at > TEMPORARY_MAX:
        raise InvalidInputError(
            "a `temporary` grant lasts at most one day", help="give a `vendor` grant instead"
        )


def _check_buffers(before: int, after: int) -> None:
    top = int(MAX_BUFFER.total_seconds() // 60)
    for name, value in (("buffer_before_minutes", before), ("buffer_after_minutes", after)):
        if not 0 <= value <= top:
            raise InvalidInputError(f"`{name}` must be from 0 to {top}, not `{value}`")


def _keypad_doors(session: Session, facility_id: str, door_ids: tuple[str, ...]) -> list[str]:
    """The doors, each of the facility (else unknown: 404) and with a keypad lock (400)."""
    wanted = list(dict.fromkeys(door_ids))
    if not wanted:
        raise InvalidInputError("`door_ids` names no door")
    doors = {
        d.id: d
        for d in session.exec(
            select(Door).where(
                col(Door.id).in_(wanted),
                Door.facility_id == facility_id,
                col(Door.removed_at).is_(None),
            )
        )
    }
    refs = [d.lock_ref for d in doors.values() if d.lock_ref]
    keypads = set(
        session.exec(select(KeypadLock.device_id).where(col(KeypadLock.device_id).in_(refs)))
    )
    for door_id in wanted:
        door = doors.get(door_id)
        if door is None:
            raise NotFoundError(f"no door `{door_id}` at this facility")
        if door.lock_ref not in keypads:
            raise InvalidInputError(
                f"door `{door.name}` has no keypad lock",
                help="match a keypad lock to it (its `lock_ref`) first",
            )
    return wanted


def holder_in_company(session: Session, person_id: str, company_id: str) -> bool:
    """The person relates to the company (a role, rental, share, auction or code grant)."""
    if person_in_company(session, person_id, company_id):
        return True
    granted = session.exec(
        select(CodeGrant.id)
        .join(Facility, col(Facility.id) == col(CodeGrant.facility_id))
        .where(CodeGrant.person_id == person_id, Facility.company_id == company_id)
    ).first()
    return granted is not None


def _audit(
    audit: AuditLog, session: Session, grant: CodeGrant, kind: str, actor: str, now: datetime
) -> None:
    audit.append(
        session,
        facility_id=grant.facility_id,
        at=now,
        kind=kind,
        actor=actor,
        subject=f"code_grant:{grant.id}",
        payload={
            "kind": grant.kind,
            "reference": grant.reference,
            "person_id": grant.person_id,
            "door_ids": grant.door_ids,
            "starts_at": grant.starts_at.isoformat(),
            "ends_at": grant.ends_at.isoformat(),
            "buffer_before_minutes": grant.buffer_before_minutes,
            "buffer_after_minutes": grant.buffer_after_minutes,
        },
    )


def create_grant(
    session: Session,
    audit: AuditLog,
    facility: Facility,
    spec: GrantSpec,
    actor: str,
    now: datetime,
) -> CodeGrant:
    """Give a grant at `facility` (checked: kind, window, buffers, doors, holder) and
    write `code_grant_created`."""
    if spec.kind not in GRANT_KINDS:
        raise InvalidInputError(
            f"unknown grant kind `{spec.kind}`",
            help=f"one of {', '.join(GRANT_KINDS)}; a clean-out window is given with the "
            "auction sale or `assign-cleanout` on the unit, and its code follows it",
        )
    _check_window(spec.kind, spec.starts_at, spec.ends_at, now)
    _check_buffers(spec.buffer_before_minutes, spec.buffer_after_minutes)
    doors = _keypad_doors(session, facility.id, spec.door_ids)
    if spec.person_id is not None:
        person = session.get(Person, spec.person_id)
        if person is None or not holder_in_company(session, person.id, facility.company_id):
            raise NotFoundError(f"no person `{spec.person_id}`")
        name = spec.holder_name or person.name
    else:
        if not spec.holder_name or not spec.holder_name.strip():
            raise InvalidInputError("give `person_id` or the holder's `holder_name`")
        if not spec.holder_phone and not spec.holder_email:
            raise InvalidInputError("a holder without an account needs a phone or an email")
        name = spec.holder_name.strip()
        person = Person(name=name, created_at=now)  # no email: never an account's login
        session.add(person)
        session.flush()
    grant = CodeGrant(
        facility_id=facility.id,
        kind=spec.kind,
        reference="",
        person_id=person.id,
        holder_name=name,
        holder_phone=spec.holder_phone,
        holder_email=spec.holder_email,
        door_ids=doors,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        buffer_before_minutes=spec.buffer_before_minutes,
        buffer_after_minutes=spec.buffer_after_minutes,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    grant.reference = spec.reference or f"G-{grant.id[:8]}"
    session.add(grant)
    session.flush()
    _audit(audit, session, grant, "code_grant_created", actor, now)
    return grant


def change_grant(
    session: Session,
    audit: AuditLog,
    grant: CodeGrant,
    change: GrantChange,
    actor: str,
    now: datetime,
) -> CodeGrant:
    """Move a grant's window, buffers or doors (its code follows at the next round) and
    write `code_grant_changed`; a cancelled grant is refused (409)."""
    if grant.cancelled_at is not None:
        raise RefusedError(f"grant `{grant.id}` is cancelled")
    starts = change.starts_at or grant.starts_at
    ends = change.ends_at or grant.ends_at
    _check_window(grant.kind, starts, ends, now)
    before = grant.buffer_before_minutes
    after = grant.buffer_after_minutes
    if change.buffer_before_minutes is not None:
        before = change.buffer_before_minutes
    if change.buffer_after_minutes is not None:
        after = change.buffer_after_minutes
    _check_buffers(before, after)
    if change.door_ids is not None:
        grant.door_ids = _keypad_doors(session, grant.facility_id, change.door_ids)
    grant.starts_at, grant.ends_at = starts, ends
    grant.buffer_before_minutes, grant.buffer_after_minutes = before, after
    grant.updated_at = now
    session.add(grant)
    _audit(audit, session, grant, "code_grant_changed", actor, now)
    return grant


def cancel_grant(
    session: Session, audit: AuditLog, grant: CodeGrant, actor: str, now: datetime
) -> CodeGrant:
    """Cancel a grant: its code stops opening at the next round and is deleted from the
    locks 24 h later (seed 003); `code_grant_cancelled` written. Cancelling twice changes
    nothing."""
    if grant.cancelled_at is not None:
        return grant
    grant.cancelled_at, grant.cancelled_by, grant.updated_at = now, actor, now
    session.add(grant)
    _audit(audit, session, grant, "code_grant_cancelled", actor, now)
    return grant
