"""Creating companies, facilities, units, doors, people and roles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from sqlmodel import Session, select

from engine.domain import DoorKind, Permission
from engine.errors import InvalidInputError
from engine.persistence import new_id
from engine.persistence.tables import (
    Company,
    Door,
    Facility,
    Person,
    Role,
    RoleAssignment,
    Unit,
)

__all__ = [
    "add_door",
    "add_person",
    "add_unit",
    "assign_role",
    "create_company",
    "create_facility",
    "create_role",
    "find_person",
    "unit_lock_name",
]


def create_company(session: Session, name: str, now: datetime, *, id: str | None = None) -> Company:
    """A new storage operator."""
    company = Company(id=id or new_id(), name=name, created_at=now)
    session.add(company)
    session.flush()  # tables have no ORM relationships: insert parents first
    return company


def create_facility(
    session: Session,
    company_id: str,
    name: str,
    now: datetime,
    *,
    id: str | None = None,
    key: str | None = None,
    timezone: str = "UTC",
    country: str | None = None,
    opens: time = time(6, 0),
    closes: time = time(22, 0),
    pms_ref: str | None = None,
) -> Facility:
    """A new facility of `company_id` with its default access hours."""
    facility = Facility(
        id=id or new_id(),
        company_id=company_id,
        key=key,
        name=name,
        timezone=timezone,
        country=country,
        access_opens=opens,
        access_closes=closes,
        pms_ref=pms_ref,
        created_at=now,
    )
    session.add(facility)
    session.flush()
    return facility


def add_unit(
    session: Session,
    facility_id: str,
    number: str,
    now: datetime,
    *,
    id: str | None = None,
    pms_ref: str | None = None,
    lock_ref: str | None = None,
    building: str | None = None,
    floor: str | None = None,
) -> Unit:
    """An available unit with its smart lock (a `unit_lock` door)."""
    unit = Unit(
        id=id or new_id(),
        facility_id=facility_id,
        number=number,
        pms_ref=pms_ref,
        building=building,
        floor=floor,
        updated_at=now,
    )
    session.add(unit)
    session.flush()
    add_door(
        session,
        facility_id,
        unit_lock_name(number),
        DoorKind.UNIT_LOCK,
        unit_id=unit.id,
        lock_ref=lock_ref,
    )
    return unit


def unit_lock_name(number: str) -> str:
    """The name of unit `number`'s lock door."""
    return f"unit {number}"


def add_door(
    session: Session,
    facility_id: str,
    name: str,
    kind: DoorKind,
    *,
    id: str | None = None,
    unit_id: str | None = None,
    lock_ref: str | None = None,
) -> Door:
    """A door; unit locks need `unit_id`, entry points must not have one."""
    if (kind is DoorKind.UNIT_LOCK) != (unit_id is not None):
        raise InvalidInputError(
            f"door `{name}`: a unit lock needs a unit and an entry point has none"
        )
    door = Door(
        id=id or new_id(),
        facility_id=facility_id,
        name=name,
        kind=kind.value,
        unit_id=unit_id,
        lock_ref=lock_ref,
    )
    session.add(door)
    session.flush()
    return door


def find_person(
    session: Session, *, email: str | None = None, mobile: str | None = None
) -> Person | None:
    """The account with this email (any case), else with this mobile number, if any."""
    if email:
        # Emails are stored lowercase (`add_person` and PMS move-ins lower them), so the
        # unique index answers this; `lower(email)` scanned every person (first sync of
        # 2,000 units beside 80,000 people: 37 units/s).
        found = session.exec(select(Person).where(Person.email == email.lower())).first()
        if found is not None:
            return found
    if mobile:
        return session.exec(select(Person).where(Person.mobile == mobile)).first()
    return None


def add_person(
    session: Session,
    name: str,
    now: datetime,
    *,
    id: str | None = None,
    email: str | None = None,
    mobile: str | None = None,
) -> Person:
    """An account for a tenant, shared user, employee or auction winner."""
    person = Person(
        id=id or new_id(),
        name=name,
        email=email.lower() if email else None,
        mobile=mobile,
        created_at=now,
    )
    session.add(person)
    session.flush()
    return person


def create_role(
    session: Session,
    company_id: str,
    name: str,
    permissions: Iterable[Permission],
    *,
    id: str | None = None,
) -> Role:
    """A role of `company_id` holding `permissions`."""
    role = Role(
        id=id or new_id(),
        company_id=company_id,
        name=name,
        permissions=sorted(Permission(p).value for p in permissions),
    )
    session.add(role)
    session.flush()
    return role


def assign_role(
    session: Session,
    person_id: str,
    role_id: str,
    *,
    facility_id: str | None = None,
    id: str | None = None,
) -> RoleAssignment:
    """Give `person_id` the role at one facility, or at all of the company's facilities."""
    assignment = RoleAssignment(
        id=id or new_id(), person_id=person_id, role_id=role_id, facility_id=facility_id
    )
    session.add(assignment)
    session.flush()
    return assignment
