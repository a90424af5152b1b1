"""Dependencies every route shares: the caller and the company and facility checks."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.security.jwt import Token
from sqlmodel import Session

from engine.access import (
    Caller,
    company_door,
    company_facility,
    company_unit,
    company_wide_permissions,
    require_permission,
)
from engine.domain import Permission
from engine.errors import PermissionDeniedError
from engine.persistence.tables import Door, Facility, Unit

__all__ = [
    "caller_of",
    "company_permission",
    "employee_door",
    "employee_facility",
    "employee_unit",
]


def caller_of(request: Request[Caller, Token, Any]) -> Caller:
    """The authenticated caller (set by the JWT middleware)."""
    return request.user


def company_permission(
    session: Session, caller: Caller, permission: Permission
) -> frozenset[Permission]:
    """The caller's company-wide permissions; refuses (403) unless `permission` is among them
    (company-wide actions need it through a company-wide role assignment)."""
    held = company_wide_permissions(session, caller.person_id, caller.company_id)
    if not caller.is_employee or permission not in held:
        raise PermissionDeniedError(
            f"`{permission.value}` is needed for the whole company",
            help="ask a manager with a company-wide role",
        )
    return held


def employee_facility(
    session: Session, caller: Caller, facility_id: str, permission: Permission
) -> Facility:
    """The facility, if the caller's company's (404) and they hold `permission` there (403)."""
    facility = company_facility(session, caller, facility_id)
    require_permission(session, caller, facility, permission)
    return facility


def employee_unit(
    session: Session, caller: Caller, unit_id: str, permission: Permission
) -> tuple[Unit, Facility, frozenset[Permission]]:
    """The unit with its facility and the caller's permissions there; 404/403 as above."""
    unit, facility = company_unit(session, caller, unit_id)
    held = require_permission(session, caller, facility, permission)
    return unit, facility, held


def employee_door(
    session: Session, caller: Caller, door_id: str, permission: Permission
) -> tuple[Door, Facility]:
    """The door in service with its facility; 404/403 as above."""
    site = company_door(session, caller, door_id)
    door, facility = session.get(Door, site.id), session.get(Facility, site.facility_id)
    # INVARIANT: `company_door` found both rows in this session's database.
    assert door is not None
    assert facility is not None
    require_permission(session, caller, facility, permission)
    return door, facility
