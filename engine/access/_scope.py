"""What a caller may see: objects of their own company, and an employee's permissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from engine.domain import Permission
from engine.errors import NotFoundError, PermissionDeniedError
from engine.persistence.tables import Door, Facility, Role, RoleAssignment, Unit

__all__ = [
    "Caller",
    "company_door",
    "company_facility",
    "company_unit",
    "company_wide_permissions",
    "permissions_anywhere",
    "permissions_at",
    "require_permission",
]

_KNOWN = frozenset(p.value for p in Permission)


@dataclass(frozen=True)
class Caller:
    """Who is calling: an authenticated person acting within one company."""

    person_id: str
    company_id: str
    role: str
    """The token's role: `tenant`, `shared_user`, `auction_winner` or `employee`."""

    @property
    def actor(self) -> str:
        """The caller as an audit actor."""
        return f"person:{self.person_id}"

    @property
    def is_employee(self) -> bool:
        """True for portal (employee) tokens."""
        return self.role == "employee"


def company_facility(session: Session, caller: Caller, facility_id: str) -> Facility:
    """The facility if it belongs to the caller's company; otherwise it does not exist."""
    facility = session.get(Facility, facility_id)
    if facility is None or facility.company_id != caller.company_id:
        raise NotFoundError(f"no facility `{facility_id}`")
    return facility


def company_unit(session: Session, caller: Caller, unit_id: str) -> tuple[Unit, Facility]:
    """The unit and its facility, if in the caller's company (never leaks other companies)."""
    unit = session.get(Unit, unit_id)
    facility = session.get(Facility, unit.facility_id) if unit is not None else None
    if unit is None or facility is None or facility.company_id != caller.company_id:
        raise NotFoundError(f"no unit `{unit_id}`")
    return unit, facility


def company_door(session: Session, caller: Caller, door_id: str) -> tuple[Door, Facility]:
    """The door and its facility, if in the caller's company.

    One query; it also loads a unit lock's unit into the session, so reading the unit
    next costs no round trip (the access-request hot path).
    """
    row = session.exec(
        select(Door, Facility, Unit)
        .join(Facility, col(Facility.id) == col(Door.facility_id))
        .outerjoin(Unit, col(Unit.id) == col(Door.unit_id))
        .where(Door.id == door_id)
    ).first()
    if row is None or row[1].company_id != caller.company_id:
        raise NotFoundError(f"no door `{door_id}`")
    return row[0], row[1]


def _held(session: Session, person_id: str, company_id: str, *where: Any) -> frozenset[Permission]:
    rows = session.exec(
        select(Role.permissions)
        .join(RoleAssignment, col(RoleAssignment.role_id) == col(Role.id))
        .where(RoleAssignment.person_id == person_id, Role.company_id == company_id, *where)
    ).all()
    return frozenset(Permission(p) for perms in rows for p in perms if p in _KNOWN)


def permissions_at(session: Session, person_id: str, facility: Facility) -> frozenset[Permission]:
    """Every permission `person_id` holds at `facility` through roles of its company."""
    assigned_here = col(RoleAssignment.facility_id).is_(None) | (
        col(RoleAssignment.facility_id) == facility.id
    )
    return _held(session, person_id, facility.company_id, assigned_here)


def company_wide_permissions(
    session: Session, person_id: str, company_id: str
) -> frozenset[Permission]:
    """Permissions held at every facility of the company (roles assigned without a facility)."""
    return _held(session, person_id, company_id, col(RoleAssignment.facility_id).is_(None))


def permissions_anywhere(
    session: Session, person_id: str, company_id: str
) -> frozenset[Permission]:
    """Permissions held at one facility of the company or more."""
    return _held(session, person_id, company_id)


def require_permission(
    session: Session, caller: Caller, facility: Facility, permission: Permission
) -> frozenset[Permission]:
    """The caller's permissions at `facility`; refuses (403) unless `permission` is among them."""
    held = (
        permissions_at(session, caller.person_id, facility) if caller.is_employee else frozenset()
    )
    if permission not in held:
        raise PermissionDeniedError(
            f"`{permission.value}` is needed at facility `{facility.name}`",
            help="ask a manager to give your role this permission",
        )
    return held
