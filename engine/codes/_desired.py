"""Who must have a code on which keypad door: the store's rentals and key shares, each
person asked of the compiled policy through the `keypad` channel (never re-implemented).

A code's schedule follows the access hours on the lock, so a person is permitted "at some
time of the window" when the policy permits them with the facility open: the request is
asked as it stands now, inside access hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select

from engine.access import AccessPoint, Caller, SiteFacts, serves
from engine.access._facts import door_site
from engine.domain import Channel
from engine.persistence import table_of
from engine.persistence.tables import KeyShare, Person, Rental, Unit
from engine.policy import AccessRequest, CompiledPolicy

__all__ = ["Entitled", "entitled_at_door", "inside_hours"]

_rental, _share, _unit, _person = (
    table_of(Rental),
    table_of(KeyShare),
    table_of(Unit),
    table_of(Person),
)


@dataclass(frozen=True, slots=True)
class Entitled:
    """A person related to a keypad door's units, and whether the policy lets them in."""

    person_id: str
    name: str
    via: str
    """`rental:<id>` or `share:<id>`."""
    reference: str
    """The rental's PMS reference (or a short id): the code's name when theirs is refused."""
    phone: str | None
    permitted: bool
    starts_at: datetime | None = None
    """The code's window on the lock (None, None: ongoing, as for a rental)."""
    ends_at: datetime | None = None


def _related(
    conn: Connection, site: SiteFacts, now: datetime
) -> list[tuple[str, str, str, str, str | None]]:
    """(person, name, via, reference, phone) of every live rental and share behind the door."""
    if site.unit_id is not None:
        units = select(_unit.c.id).where(_unit.c.id == site.unit_id)
    else:
        units = select(_unit.c.id).where(
            _unit.c.facility_id == site.facility_id,
            _unit.c.removed_at.is_(None),
            serves(site.id, _unit),
        )
    rentals = conn.execute(
        select(
            _rental.c.person_id,
            _person.c.name,
            _rental.c.id,
            _rental.c.pms_rental_ref,
            _rental.c.mobile,
            _rental.c.phone,
            _person.c.mobile,
        )
        .join(_person, _person.c.id == _rental.c.person_id)
        .where(_rental.c.unit_id.in_(units), _rental.c.ended_at.is_(None))
        .order_by(_rental.c.started_at, _rental.c.id)
    ).all()
    shares = conn.execute(
        select(_share.c.grantee_id, _person.c.name, _share.c.id, _person.c.mobile)
        .join(_person, _person.c.id == _share.c.grantee_id)
        .join(_rental, _rental.c.id == _share.c.rental_id)
        .where(
            _share.c.unit_id.in_(units),
            _share.c.revoked_at.is_(None),
            or_(_share.c.expires_at.is_(None), _share.c.expires_at > now),
            and_(_rental.c.ended_at.is_(None)),
        )
        .order_by(_share.c.created_at, _share.c.id)
    ).all()
    out = [
        (p, name, f"rental:{rid}", ref or f"R-{rid[:8]}", m or ph or pm)
        for p, name, rid, ref, m, ph, pm in rentals
    ]
    out += [(p, name, f"share:{sid}", f"S-{sid[:8]}", m) for p, name, sid, m in shares]
    return out


def inside_hours(r: AccessRequest, *, grant_active: bool | None = None) -> AccessRequest:
    """`r` as asked inside access hours (the lock's schedule keeps the hours), and inside
    the grant's window when `grant_active` (the code's window on the lock keeps that)."""
    return AccessRequest(
        principal=r.principal,
        door=r.door,
        unit_state=r.unit_state,
        relation=r.relation,
        permissions=r.permissions,
        lease_started=r.lease_started,
        within_schedule=True,
        door_in_area=r.door_in_area,
        grant_active=r.grant_active if grant_active is None else grant_active,
        other_unit_delinquent=r.other_unit_delinquent,
        channel=r.channel,
    )


def entitled_at_door(
    conn: Connection, access: AccessPoint, policy: CompiledPolicy, door_id: str, now: datetime
) -> list[Entitled]:
    """Everyone with a live rental or share behind the door (their first relation names the
    code), with the policy's keypad decision for them (empty for a door out of service)."""
    site = door_site(conn, door_id)
    if site is None:
        return []
    out: dict[str, Entitled] = {}
    for person, name, via, ref, phone in _related(conn, site, now):
        if person in out:
            continue  # one evaluation covers every relation of the person to the door
        caller = Caller(person, site.company_id, "tenant")
        evaluations = access.evaluate(conn, caller, site, Channel.KEYPAD, policy, now)
        permitted = any(
            policy.decide(inside_hours(ev.candidate.request)).allowed for ev in evaluations
        )
        out[person] = Entitled(person, name, via, ref, phone, permitted)
    return list(out.values())
