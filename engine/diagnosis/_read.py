"""Reading a tenant's facts for the diagnosis: one section per active rental in the company
(or, without one, for the facility of their last rental), in one read transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from engine.access import (
    AccessPoint,
    Caller,
    SiteFacts,
    doors_of_unit,
    local_date,
    person_facilities,
    related_units,
    request_attributes,
)
from engine.diagnosis._facts import (
    DoorAnswer,
    Places,
    SectionFacts,
    activation_of,
    lock_of,
    move_in_of,
    sync_facts,
)
from engine.domain import Channel
from engine.errors import NotFoundError
from engine.persistence.tables import Company, Facility, Person, Rental, Unit
from engine.policy import CompiledPolicy
from engine.units import effective_state

__all__ = ["read_sections"]

_RENTALS = (
    select(Rental, Unit, Facility)
    .join(Unit, col(Unit.id) == col(Rental.unit_id))
    .join(Facility, col(Facility.id) == col(Unit.facility_id))
    .where(Rental.person_id == bindparam("person"), Facility.company_id == bindparam("company"))
    .order_by(col(Facility.name), col(Unit.number), col(Rental.started_at).desc())
)


def read_sections(
    s: Session,
    access: AccessPoint,
    policy: CompiledPolicy,
    person: Person,
    company_id: str,
    facility_id: str | None,
    now: datetime,
    visible: Callable[[Facility], bool] = lambda _f: True,
) -> list[SectionFacts]:
    """The facts of each of `person`'s rentals in `company_id` (only at `facility_id` when
    given) at facilities `visible` accepts; `NotFoundError` when there is none to show."""
    params = {"person": person.id, "company": company_id}
    rows: list[tuple[Rental, Unit, Facility]] = list(s.exec(_RENTALS, params=params).all())
    if facility_id is not None:
        rows = [r for r in rows if r[2].id == facility_id]
    active = [(r, u, f) for r, u, f in rows if r.ended_at is None]
    ended: dict[str, list[Rental]] = {}
    for r, _u, f in rows:
        if r.ended_at is not None:
            ended.setdefault(f.id, []).append(r)
    caller = Caller(person.id, company_id, "tenant")
    places = _places(s, person.id, company_id)
    sections: list[SectionFacts] = []
    shown = [(r, u, f) for r, u, f in active if visible(f)]
    if shown:
        related = related_units(s, person.id, revoked_shares=True)
        reading = _Reading(s, access, policy, caller, person, now, places, related)
        sections = [_section(reading, f, r, u) for r, u, f in shown]
    if not active:
        last = _facility_without_rental(s, rows, company_id, facility_id)
        if last is not None and visible(last):
            sections.append(_bare(now, last, person, caller, tuple(ended.get(last.id, ())), places))
    if not sections:
        where = f" at facility `{facility_id}`" if facility_id else ""
        raise NotFoundError(f"no rental of `{person.name}`{where} to diagnose")
    for i, section in enumerate(sections):
        if section.rental is not None and section.facility.id in ended:
            sections[i] = _with_ended(section, tuple(ended[section.facility.id]))
    return sections


def _facility_without_rental(
    s: Session, rows: list[tuple[Rental, Unit, Facility]], company_id: str, facility_id: str | None
) -> Facility | None:
    if rows:
        return max(rows, key=lambda r: r[0].started_at)[2]
    if facility_id is None:
        return None
    facility = s.get(Facility, facility_id)
    return facility if facility is not None and facility.company_id == company_id else None


def _with_ended(section: SectionFacts, ended: tuple[Rental, ...]) -> SectionFacts:
    return replace(section, ended=ended)


def _bare(
    now: datetime,
    facility: Facility,
    person: Person,
    caller: Caller,
    ended: tuple[Rental, ...],
    places: Places,
) -> SectionFacts:
    return SectionFacts(
        now=now,
        local_today=local_date(now, facility.timezone).isoformat(),
        facility=facility,
        person=person,
        caller=caller,
        rental=None,
        ended=ended,
        unit=None,
        unit_state=None,
        move_in=None,
        sync=None,
        activation=None,
        message=None,
        places=places,
        door=None,
        lock=None,
        gateway=None,
        access=(),
    )


@dataclass(frozen=True)
class _Reading:
    """What every section's read shares: the session, the policy and the person's facts."""

    s: Session
    access: AccessPoint
    policy: CompiledPolicy
    caller: Caller
    person: Person
    now: datetime
    places: Places
    related: dict[str, set[str]]
    """The person's `related_units` with revoked shares: read once for every door."""


def _section(r: _Reading, facility: Facility, rental: Rental, unit: Unit) -> SectionFacts:
    s = r.s
    activation, message = activation_of(s, rental)
    door, lock, gateway = lock_of(s, unit)
    return replace(
        _bare(r.now, facility, r.person, r.caller, (), r.places),
        rental=rental,
        unit=unit,
        unit_state=effective_state(unit, r.now).value,
        move_in=move_in_of(s, rental),
        sync=sync_facts(s, facility, unit),
        activation=activation,
        message=message,
        door=door,
        lock=lock,
        gateway=gateway,
        access=_answers(r, facility, unit),
    )


def _answers(r: _Reading, facility: Facility, unit: Unit) -> tuple[DoorAnswer, ...]:
    """The policy's answer at each door of the unit through the app (a preview: nothing
    is recorded, a diagnosis is not an access attempt)."""
    out = []
    for door in doors_of_unit(r.s, unit):
        site = SiteFacts.of(door, facility)
        preview = r.access.preview(
            r.s, r.caller, site, Channel.PHONE_RELAY, r.policy, now=r.now, related=r.related
        )
        chosen = preview.chosen
        explanation = r.policy.explain(chosen.candidate.request)
        out.append(
            DoorAnswer(
                door_id=door.id,
                name=door.name,
                kind=door.kind,
                allowed=preview.decision.allowed,
                reason=preview.decision.reason,
                rule=preview.decision.rule,
                matched=tuple(m.id for m in explanation.matched),
                request=request_attributes(chosen.candidate),
            )
        )
    return tuple(out)


def _places(s: Session, person_id: str, company_id: str) -> Places:
    relations = person_facilities(s, person_id)
    if not relations:
        return Places((), 0)
    rows = s.exec(
        select(Facility.id, Facility.name, Company.id)
        .join(Company, col(Company.id) == col(Facility.company_id))
        .where(col(Facility.id).in_(list(relations)))
        .order_by(col(Facility.name))
    ).all()
    here = tuple(
        (fid, f"{name} ({', '.join(sorted(relations[fid]))})")
        for fid, name, company in rows
        if company == company_id
    )
    others = len({company for _fid, _name, company in rows if company != company_id})
    return Places(here, others)
