"""A tenant's diagnosis: their facts read once, then seed 000's checks in order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from engine.access import AccessPoint
from engine.diagnosis._checks_access import access_check
from engine.diagnosis._checks_contact import email_check, mobile_check
from engine.diagnosis._checks_lock import battery_check, lock_check
from engine.diagnosis._checks_message import message_check
from engine.diagnosis._checks_pms import rental_check, sync_check, unit_state_check
from engine.diagnosis._checks_tenant import account_check, app_check, lease_check
from engine.diagnosis._facts import SectionFacts
from engine.diagnosis._model import Check, Diagnosis, RentalDiagnosis
from engine.diagnosis._read import read_sections
from engine.persistence.tables import Facility, Person
from engine.policy import CompiledPolicy

__all__ = ["CHECKS", "check_section", "diagnose"]

CHECKS: tuple[Callable[[SectionFacts], Check], ...] = (
    rental_check,
    sync_check,
    unit_state_check,
    mobile_check,
    email_check,
    message_check,
    lease_check,
    account_check,
    app_check,
    lock_check,
    battery_check,
    access_check,
)
"""The checklist in seed 000's order: the first that fails is the likely cause."""


def check_section(facts: SectionFacts) -> RentalDiagnosis:
    """Every check over one section's facts (pure)."""
    return RentalDiagnosis(
        facility_id=facts.facility.id,
        facility_name=facts.facility.name,
        unit_id=facts.unit.id if facts.unit else None,
        unit_number=facts.unit.number if facts.unit else None,
        rental_id=facts.rental.id if facts.rental else None,
        checks=tuple(check(facts) for check in CHECKS),
    )


def diagnose(
    s: Session,
    access: AccessPoint,
    policy: CompiledPolicy,
    person: Person,
    company_id: str,
    now: datetime,
    *,
    facility_id: str | None = None,
    visible: Callable[[Facility], bool] = lambda _f: True,
) -> Diagnosis:
    """`person`'s diagnosis in `company_id` at `now`, from one read in `s` (nothing is
    written: the access decisions are previews)."""
    sections = read_sections(s, access, policy, person, company_id, facility_id, now, visible)
    return Diagnosis(
        person_id=person.id,
        name=person.name,
        at=now.isoformat(),
        sections=tuple(check_section(f) for f in sections),
    )
