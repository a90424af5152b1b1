"""Telling a rental's tenant something: the rental's facts every payload carries, the
contact route, the facility's off switch, written to the outbox in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select
from sqlmodel import Session

from engine.notify._kinds import MessageKind
from engine.notify._outbox import Outgoing, enqueue
from engine.notify._route import ContactRoute, contact_route
from engine.persistence import connection_of, table_of
from engine.persistence.tables import Company, Facility, Person, Rental, Unit

__all__ = ["RentalContext", "local_date", "local_text", "notify_tenant", "rental_context"]

_rental, _unit, _facility = table_of(Rental), table_of(Unit), table_of(Facility)
_company, _person = table_of(Company), table_of(Person)

_CONTEXT = (
    select(
        _rental.c.id,
        _rental.c.person_id,
        _rental.c.mobile,
        _rental.c.phone,
        _rental.c.email,
        _rental.c.lease_start,
        _rental.c.ended_at,
        _unit.c.number,
        _facility.c.id.label("facility_id"),
        _facility.c.name.label("facility_name"),
        _facility.c.timezone,
        _facility.c.country,
        _facility.c.notifications_off,
        _company.c.id.label("company_id"),
        _company.c.name.label("company_name"),
        _person.c.name.label("tenant_name"),
    )
    .join(_unit, _unit.c.id == _rental.c.unit_id)
    .join(_facility, _facility.c.id == _unit.c.facility_id)
    .join(_company, _company.c.id == _facility.c.company_id)
    .join(_person, _person.c.id == _rental.c.person_id)
)


@dataclass(frozen=True)
class RentalContext:
    """A rental with what a message about it needs."""

    rental_id: str
    person_id: str
    facility_id: str
    company_id: str
    timezone: str
    country: str | None
    notifications_off: frozenset[str]
    mobile: str | None
    phone: str | None
    email: str | None
    lease_start: date
    ended: bool
    payload: dict[str, Any]
    """`company_name`, `facility_name`, `tenant_name`, `unit_number`."""

    def route(self) -> ContactRoute:
        """Where a message to the tenant goes now (seed 000 steps 3 and 4)."""
        return contact_route(self.mobile, self.phone, self.email, self.country)

    def local(self, instant: datetime) -> str:
        """`instant` as the facility's local `YYYY-MM-DD HH:MM`."""
        return local_text(instant, self.timezone)


def local_text(instant: datetime, timezone: str) -> str:
    """`instant` in `timezone` as `YYYY-MM-DD HH:MM`."""
    return instant.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def local_date(instant: datetime, timezone: str) -> date:
    """The date in `timezone` at `instant`."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def rental_context(db: Session | Connection, rental_id: str) -> RentalContext | None:
    """The rental's facts with its unit, facility, company and tenant (None: no such rental)."""
    r = connection_of(db).execute(_CONTEXT.where(_rental.c.id == rental_id)).first()
    if r is None:
        return None
    return RentalContext(
        rental_id=r.id,
        person_id=r.person_id,
        facility_id=r.facility_id,
        company_id=r.company_id,
        timezone=r.timezone,
        country=r.country,
        notifications_off=frozenset(r.notifications_off or ()),
        mobile=r.mobile,
        phone=r.phone,
        email=r.email,
        lease_start=r.lease_start,
        ended=r.ended_at is not None,
        payload={
            "company_name": r.company_name,
            "facility_name": r.facility_name,
            "tenant_name": r.tenant_name,
            "unit_number": r.number,
        },
    )


def notify_tenant(
    db: Session | Connection,
    ctx: RentalContext,
    kind: MessageKind,
    key: str,
    extra: dict[str, Any],
    now: datetime,
) -> str | None:
    """Write a `kind` message to the rental's tenant, idempotent by `key`; None (nothing
    written) when the facility has turned `kind` off."""
    if kind.value in ctx.notifications_off:
        return None
    route = ctx.route()
    message = Outgoing(
        facility_id=ctx.facility_id,
        kind=kind,
        channel=route.channel,
        recipient=route.recipient,
        idempotency_key=key,
        person_id=ctx.person_id,
        payload={**ctx.payload, **extra},
        problem=route.problem,
    )
    return enqueue(db, message, now)
