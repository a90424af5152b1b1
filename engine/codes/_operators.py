"""Telling a facility's operator about its keypad codes: every employee holding
`sites.manage` there (or company-wide) with an email, through the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select
from sqlmodel import Session

from engine.domain import Permission
from engine.notify import Channel, MessageKind, Outgoing, enqueue
from engine.persistence import connection_of, table_of
from engine.persistence.tables import Company, Facility, Person, Role, RoleAssignment

__all__ = ["facility_payload", "notify_operators", "operator_emails"]

_role, _assignment, _person = table_of(Role), table_of(RoleAssignment), table_of(Person)
_facility, _company = table_of(Facility), table_of(Company)
NO_OPERATOR = "no employee with `sites.manage` and an email at this facility"


def operator_emails(db: Session | Connection, facility_id: str) -> list[str]:
    """Lowercase emails of the employees holding `sites.manage` at the facility."""
    conn = connection_of(db)
    company = select(_facility.c.company_id).where(_facility.c.id == facility_id)
    rows = conn.execute(
        select(_person.c.email, _role.c.permissions)
        .join(_assignment, _assignment.c.person_id == _person.c.id)
        .join(_role, _role.c.id == _assignment.c.role_id)
        .where(
            _role.c.company_id == company.scalar_subquery(),
            or_(_assignment.c.facility_id.is_(None), _assignment.c.facility_id == facility_id),
            _person.c.email.is_not(None),
        )
    ).all()
    wanted = Permission.SITES_MANAGE.value
    return sorted({str(e).strip().lower() for e, perms in rows if wanted in (perms or ())})


def facility_payload(db: Session | Connection, facility_id: str) -> dict[str, Any]:
    """`company_name` and `facility_name` of the facility, for a message's template."""
    row = (
        connection_of(db)
        .execute(
            select(_facility.c.name, _company.c.name.label("company"))
            .join(_company, _company.c.id == _facility.c.company_id)
            .where(_facility.c.id == facility_id)
        )
        .one()
    )
    return {"company_name": row.company, "facility_name": row.name}


def notify_operators(
    db: Session | Connection,
    facility_id: str,
    kind: MessageKind,
    key: str,
    payload: dict[str, Any],
    now: datetime,
) -> list[str]:
    """One email of `kind` to each operator of the facility (idempotent by `key` and the
    recipient); none known: one undeliverable row saying so. The outbox ids."""
    variables = {**facility_payload(db, facility_id), **payload}
    emails = operator_emails(db, facility_id)
    targets: list[str | None] = list(emails) or [None]
    return [
        enqueue(
            db,
            Outgoing(
                facility_id=facility_id,
                kind=kind,
                channel=Channel.EMAIL,
                recipient=email,
                idempotency_key=f"{key}/{email or 'nobody'}",
                payload=variables,
                problem=None if email else NO_OPERATOR,
            ),
            now,
        )
        for email in targets
    ]
