"""What a caller may see: objects of their own company, and an employee's permissions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam
from sqlmodel import Session, col, select

from engine.access._facts import SiteFacts, UnitFacts, door_site, door_site_and_units
from engine.domain import Permission
from engine.errors import NotFoundError, PermissionDeniedError
from engine.persistence import connection_of
from engine.persistence.tables import Facility, Role, RoleAssignment, Unit

__all__ = [
    "Caller",
    "company_door",
    "company_door_for",
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
    """The unit and its facility, if in the caller's company (never leaks other companies)
    and not taken out of the facility."""
    unit = session.get(Unit, unit_id)
    if unit is not None and unit.removed_at is not None:
        unit = None
    facility = session.get(Facility, unit.facility_id) if unit is not None else None
    if unit is None or facility is None or facility.company_id != caller.company_id:
        raise NotFoundError(f"no unit `{unit_id}`")
    return unit, facility


def company_door(db: Session | Connection, caller: Caller, door_id: str) -> SiteFacts:
    """The door and its facility, if in the caller's company and in service (one query, no
    ORM objects)."""
    conn = connection_of(db)
    site = door_site(conn, door_id)
    if site is None or site.company_id != caller.company_id:
        raise NotFoundError(f"no door `{door_id}`")
    return site


def company_door_for(
    conn: Connection, caller: Caller, door_id: str, now: datetime
) -> tuple[SiteFacts, list[UnitFacts]]:
    """`company_door`, with the door's own unit as `units_for` gives it for the caller at
    `now` (one query: the access decision's first read)."""
    found = door_site_and_units(conn, door_id, caller.person_id, now)
    if found is None or found[0].company_id != caller.company_id:
        raise NotFoundError(f"no door `{door_id}`")
    return found


_ROLE_PERMISSIONS = (
    select(Role.permissions, RoleAssignment.facility_id)
    .join(RoleAssignment, col(RoleAssignment.role_id) == col(Role.id))
    .where(RoleAssignment.person_id == bindparam("person"), Role.company_id == bindparam("company"))
)


def _held(
    db: Session | Connection, person_id: str, company_id: str, where: Callable[[str | None], bool]
) -> frozenset[Permission]:
    """Permissions of the person's roles in the company whose assignment `where` accepts."""
    rows = db.execute(_ROLE_PERMISSIONS, {"person": person_id, "company": company_id})
    return frozenset(
        Permission(p) for perms, facility in rows if where(facility) for p in perms if p in _KNOWN
    )


def permissions_at(
    db: Session | Connection, person_id: str, facility_id: str, company_id: str
) -> frozenset[Permission]:
    """Every permission `person_id` holds at the facility through roles of its company."""
    return _held(db, person_id, company_id, lambda f: f is None or f == facility_id)


def company_wide_permissions(
    session: Session, person_id: str, company_id: str
) -> frozenset[Permission]:
    """Permissions held at every facility of the company (roles assigned without a facility)."""
    return _held(session, person_id, company_id, lambda f: f is None)


def permissions_anywhere(
    session: Session, person_id: str, company_id: str
) -> frozenset[Permission]:
    """Permissions held at one facility of the company or more."""
    return _held(session, person_id, company_id, lambda _facility: True)


def require_permission(
    session: Session, caller: Caller, facility: Facility, permission: Permission
) -> frozenset[Permission]:
    """The caller's permissions at `facility`; refuses (403) unless `permission` is among them."""
    held = (
        permissions_at(session, caller.person_id, facility.id, facility.company_id)
        if caller.is_employee
        else frozenset()
    )
    if permission not in held:
        raise PermissionDeniedError(
            f"`{permission.value}` is needed at facility `{facility.name}`",
            help="ask a manager to give your role this permission",
        )
    return held
