"""Where a person belongs: facilities of any company where they rent, hold a key or work."""

from __future__ import annotations

from collections import defaultdict

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

__all__ = ["person_facilities", "person_in_company"]


def person_facilities(session: Session, person_id: str) -> dict[str, set[str]]:
    """Facility id → the person's relations there (`tenant`, `shared`, `winner`,
    `cleanout`, `employee`), across every company."""
    out: dict[str, set[str]] = defaultdict(set)
    rentals = session.exec(
        select(Unit.facility_id)
        .join(Rental, col(Rental.unit_id) == col(Unit.id))
        .where(Rental.person_id == person_id, col(Rental.ended_at).is_(None))
    ).all()
    for fid in rentals:
        out[fid].add("tenant")
    shares = session.exec(
        select(Unit.facility_id)
        .join(KeyShare, col(KeyShare.unit_id) == col(Unit.id))
        .where(KeyShare.grantee_id == person_id, col(KeyShare.revoked_at).is_(None))
    ).all()
    for fid in shares:
        out[fid].add("shared")
    grants = session.exec(
        select(Unit.facility_id, AuctionGrant.kind)
        .join(AuctionGrant, col(AuctionGrant.unit_id) == col(Unit.id))
        .where(AuctionGrant.person_id == person_id, col(AuctionGrant.revoked_at).is_(None))
    ).all()
    for fid, kind in grants:
        out[fid].add(kind)
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
