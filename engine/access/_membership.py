"""Where a person belongs: facilities of any company where they rent, hold a key or work."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, bindparam, or_
from sqlmodel import Session, col, select

from engine.persistence.tables import (
    AuctionGrant,
    Facility,
    KeyShare,
    Rental,
    Role,
    RoleAssignment,
    Unit,
)
from engine.units import WINDOW_ENDED

__all__ = ["RELATION_ORDER", "person_facilities", "person_in_company", "related_units"]


RELATION_ORDER = ("tenant", "shared", "winner", "cleanout")
"""How a person relates to a unit, most direct first."""


_RENTED = select(Rental.unit_id).where(
    Rental.person_id == bindparam("person"), col(Rental.ended_at).is_(None)
)
_SHARED_ALL = (
    select(KeyShare.unit_id)
    .join(Rental, col(Rental.id) == col(KeyShare.rental_id))
    .where(KeyShare.grantee_id == bindparam("person"), col(Rental.ended_at).is_(None))
)
_SHARED_LIVE = _SHARED_ALL.where(col(KeyShare.revoked_at).is_(None))
_GRANTED_ALL = select(AuctionGrant.unit_id, AuctionGrant.kind).where(
    AuctionGrant.person_id == bindparam("person"),
    or_(col(AuctionGrant.revoked_at).is_(None), col(AuctionGrant.revoked_reason) == WINDOW_ENDED),
)
_GRANTED = _GRANTED_ALL.where(col(AuctionGrant.revoked_at).is_(None))


def related_units(
    db: Session | Connection, person_id: str, *, revoked_shares: bool = False
) -> dict[str, set[str]]:
    """Unit id → how the person relates to it: `tenant` (an active rental), `shared` (a key
    to an active rental), `winner` or `cleanout` (an unrevoked auction grant); with
    `revoked_shares` also revoked keys and grants whose window ended, so a decision can say
    why the key or the grant no longer works."""
    out: dict[str, set[str]] = defaultdict(set)
    who = {"person": person_id}
    for (unit_id,) in db.execute(_RENTED, who):
        out[unit_id].add("tenant")
    for (unit_id,) in db.execute(_SHARED_ALL if revoked_shares else _SHARED_LIVE, who):
        out[unit_id].add("shared")
    for unit_id, kind in db.execute(_GRANTED_ALL if revoked_shares else _GRANTED, who):
        out[unit_id].add(kind)
    return dict(out)


def person_facilities(session: Session, person_id: str) -> dict[str, set[str]]:
    """Facility id → the person's relations there (`tenant`, `shared`, `winner`,
    `cleanout`, `employee`), across every company."""
    out: dict[str, set[str]] = defaultdict(set)
    units = related_units(session, person_id)
    if units:
        located = session.exec(
            select(Unit.id, Unit.facility_id).where(col(Unit.id).in_(list(units)))
        ).all()
        for unit_id, unit_facility in located:
            out[unit_facility] |= units[unit_id]
    roles = session.exec(
        select(Role.company_id, RoleAssignment.facility_id)
        .join(RoleAssignment, col(RoleAssignment.role_id) == col(Role.id))
        .where(RoleAssignment.person_id == person_id)
    ).all()
    for company_id, facility_id in roles:
        if facility_id is not None:
            out[facility_id].add("employee")
            continue
        for fid in session.exec(select(Facility.id).where(Facility.company_id == company_id)).all():
            out[fid].add("employee")
    return dict(out)


def person_in_company(session: Session, person_id: str, company_id: str) -> bool:
    """Whether the person has any role, rental, share or grant in the company."""
    ids = list(person_facilities(session, person_id))
    if not ids:
        return False
    found = session.exec(
        select(Facility.id).where(col(Facility.id).in_(ids), Facility.company_id == company_id)
    ).first()
    return found is not None
