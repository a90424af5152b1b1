"""Finding the tenant to diagnose: by person id, email, mobile number or PMS tenant ref,
among the people who rent (or rented) in the company."""

from __future__ import annotations

from sqlalchemy import BindParameter, bindparam
from sqlmodel import Session, col, or_, select

from engine.errors import NotFoundError
from engine.persistence.tables import Facility, Person, Rental, Unit

__all__ = ["find_tenant"]


_REF: BindParameter[str] = bindparam("ref")
_IN_COMPANY = (
    select(Rental.person_id)
    .join(Unit, col(Unit.id) == col(Rental.unit_id))
    .join(Facility, col(Facility.id) == col(Unit.facility_id))
    .where(Facility.company_id == bindparam("company"))
)
# Built once, with bound parameters (the diagnosis's first read).
_MATCHES = (
    select(Person)
    .where(
        or_(
            col(Person.id) == _REF,
            col(Person.email) == bindparam("email"),
            col(Person.mobile) == _REF,
            col(Person.id).in_(
                _IN_COMPANY.where(
                    or_(
                        col(Rental.pms_tenant_ref) == _REF,
                        col(Rental.mobile) == _REF,
                        col(Rental.phone) == _REF,
                    )
                )
            ),
        ),
        col(Person.id).in_(_IN_COMPANY),
    )
    .order_by(col(Person.id))
)


def find_tenant(s: Session, company_id: str, ref: str) -> Person:
    """The person `ref` names who has a rental (active or ended) in `company_id`;
    `NotFoundError` otherwise (people of other companies are never revealed)."""
    ref = ref.strip()
    params = {"ref": ref, "email": ref.lower(), "company": company_id}
    found = s.exec(_MATCHES, params=params).all()
    if len(found) != 1:
        problem = "names several tenants: give the person id" if found else "is not a tenant"
        raise NotFoundError(
            f"`{ref}` {problem} of this company",
            help="if the rental was just made, check it is complete in the PMS (seed 000 step 1)",
        )
    return found[0]
