"""Dependencies every route shares: the caller and the facility checks."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.security.jwt import Token
from sqlmodel import Session

from engine.access import (
    Caller,
    company_facility,
    company_unit,
    company_wide_permissions,
    require_permission,
)
from engine.domain import Permission
from engine.errors import PermissionDeniedError
from engine.persistence.tables import Facility, Unit

__all__ = ["caller_of", "employee_facility", "employee_unit", "require_company_permission"]


def caller_of(request: Request[Caller, Token, Any]) -> Caller:
    """The authenticated caller (set by the JWT middleware)."""
    return request.user


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


def require_company_permission(session: Session, caller: Caller, permission: Permission) -> None:
    """Company-wide actions need the permission through a company-wide role assignment."""
    held = company_wide_permissions(session, caller.person_id, caller.company_id)
    if not caller.is_employee or permission not in held:
        raise PermissionDeniedError(
            f"`{permission.value}` is needed for the whole company",
            help="ask a manager with a company-wide role",
        )
