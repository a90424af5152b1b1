"""Finding the tenant to diagnose: by person id, email, mobile number or PMS tenant ref,
among the people who rent (or rented) in the company."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from engine.errors import NotFoundError
from engine.persistence.tables import Facility, Person, Rental, Unit

__all__ = ["find_tenant"]


def find_tenant(s: Session, company_id: str, ref: str) -> Person:
    """The person `ref` names who has a rental (active or ended) in `company_id`;
    `NotFoundError` otherwise (people of other companies are never revealed)."""
    ref = ref.strip()
    in_company = (
        select(Rental.person_id)
        .join(Unit, col(Unit.id) == col(Rental.unit_id))
        .join(Facility, col(Facility.id) == col(Unit.facility_id))
        .where(Facility.company_id == company_id)
    )
    matches = or_(
        col(Person.id) == ref,
        col(Person.email) == ref.lower(),
        col(Person.mobile) == ref,
        col(Person.id).in_(
            in_company.where(
                or_(
                    col(Rental.pms_tenant_ref) == ref,
                    col(Rental.mobile) == ref,
                    col(Rental.phone) == ref,
                )
            )
        ),
    )
    found = s.exec(
        select(Person).where(matches, col(Person.id).in_(in_company)).order_by(col(Person.id))
    ).all()
    if len(found) != 1:
        problem = "names several tenants: give the person id" if found else "is not a tenant"
        raise NotFoundError(
            f"`{ref}` {problem} of this company",
            help="if the rental was just made, check it is complete in the PMS (seed 000 step 1)",
        )
    return found[0]
