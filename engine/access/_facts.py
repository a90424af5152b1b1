"""What an access decision reads, as plain rows: few statements, built once, no ORM objects.

Deciding is the hot path of the API (every door opening), so its reads are prebuilt Core
statements with bound parameters, run on the caller's connection: a unit lock's door, unit,
rental, share and whether the tenant's other units are delinquent come in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, FromClause, and_, bindparam, exists, or_, select

from engine.access._serves import serves
from engine.domain import UnitState
from engine.persistence import table_of
from engine.persistence.tables import (
    AccessGroup,
    AuctionGrant,
    Door,
    Facility,
    KeyShare,
    Rental,
    Unit,
)
from engine.units import WINDOW_ENDED

__all__ = [
    "GrantFacts",
    "RentalFacts",
    "ShareFacts",
    "SiteFacts",
    "UnitFacts",
    "door_site",
    "door_site_and_units",
    "unit_grants",
    "units_for",
    "units_served",
]


_door, _facility, _unit = table_of(Door), table_of(Facility), table_of(Unit)
_rental, _group, _share, _grant = (
    table_of(Rental),
    table_of(AccessGroup),
    table_of(KeyShare),
    table_of(AuctionGrant),
)


@dataclass(frozen=True, slots=True)
class SiteFacts:
    """A door and the facility it belongs to (field names as on `Door` and `Facility`)."""

    id: str
    name: str
    kind: str
    unit_id: str | None
    lock_ref: str | None
    facility_id: str
    company_id: str
    facility_name: str
    timezone: str
    access_opens: time
    access_closes: time
    levels_version: int
    """The facility's `levels_version` (the key of its compiled access levels)."""
    direction: str | None = None
    """A gate's direction, `in` or `out` (who is on site, anti-passback)."""
    anti_passback: bool = False
    """An entry gate refusing a second entry with no exit between."""

    @classmethod
    def of(cls, door: Door, facility: Facility) -> SiteFacts:
        """The facts of ORM rows already loaded."""
        return cls(
            door.id,
            door.name,
            door.kind,
            door.unit_id,
            door.lock_ref,
            facility.id,
            facility.company_id,
            facility.name,
            facility.timezone,
            facility.access_opens,
            facility.access_closes,
            facility.levels_version,
            door.direction,
            door.anti_passback,
        )


@dataclass(frozen=True, slots=True)
class RentalFacts:
    """A unit's active rental with the access hours of its group (None: the facility's)."""

    id: str
    person_id: str
    lease_start: date
    opens: time | None
    closes: time | None
    other_unit_delinquent: bool
    """The tenant rents another unit at the facility that is in gatelock or overlock now
    (its `effective_state` at the decision's time; invariant 2b)."""
    access_level_id: str | None = None
    """The level the rental holds besides the facility's (`Rental.access_level_id`)."""
    around_the_clock: bool = False
    """The tenant's 24/7 override."""


@dataclass(frozen=True, slots=True)
class ShareFacts:
    """The newest key the rental's tenant shared with the asking person."""

    id: str
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class GrantFacts:
    """An auction grant (winner or clean-out) of the asking person, unrevoked or ended with
    its window."""

    id: str
    kind: str
    window_start: datetime
    window_end: datetime
    revoked: bool
    """Revoked when its window ended: never in force again."""


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """A unit's lifecycle fields (as on `Unit`, so `effective_state` reads them) and who
    relates to it through its active rental."""

    id: str
    number: str
    state: str
    pms_status: str
    emergency_until: datetime | None
    access_until: datetime | None
    rental: RentalFacts | None
    share: ShareFacts | None
    building: str | None = None
    floor: str | None = None


_SITE = (
    select(
        _door.c.id,
        _door.c.name,
        _door.c.kind,
        _door.c.unit_id,
        _door.c.lock_ref,
        _facility.c.id,
        _facility.c.company_id,
        _facility.c.name,
        _facility.c.timezone,
        _facility.c.access_opens,
        _facility.c.access_closes,
        _facility.c.levels_version,
        _door.c.direction,
        _door.c.anti_passback,
    )
    .select_from(_door.join(_facility, _facility.c.id == _door.c.facility_id))
    .where(_door.c.id == bindparam("door_id"), _door.c.removed_at.is_(None))
)

_latest_share_id = (
    select(_share.c.id)
    .where(_share.c.rental_id == _rental.c.id, _share.c.grantee_id == bindparam("person"))
    .order_by(_share.c.created_at.desc(), _share.c.id)
    .limit(1)
    .correlate(_rental)
    .scalar_subquery()
)

_other_unit, _other_rental = _unit.alias("other_unit"), _rental.alias("other_rental")
_now = bindparam("now", type_=_unit.c.emergency_until.type)
# `effective_state(u, now) in (gatelock, overlock)` in SQL; the differential test in
# tests/unit/engine/access/test_facts.py holds the two to the same answer. `=` rather than
# IN: a literal IN list is an expanding parameter, rendered again at every execution.
_DELINQUENT = (UnitState.GATELOCK.value, UnitState.OVERLOCK.value)
_other_unit_delinquent = (
    exists()
    .where(
        _other_rental.c.person_id == _rental.c.person_id,
        _other_rental.c.ended_at.is_(None),
        _other_unit.c.id == _other_rental.c.unit_id,
        _other_unit.c.id != _unit.c.id,
        _other_unit.c.facility_id == _unit.c.facility_id,
        or_(
            *(_other_unit.c.state == s for s in _DELINQUENT),
            and_(  # an emergency pending auction that ran out is the PMS status again
                _other_unit.c.state == UnitState.PENDING_AUCTION.value,
                _other_unit.c.emergency_until <= _now,
                or_(*(_other_unit.c.pms_status == s for s in _DELINQUENT)),
            ),
        ),
    )
    .correlate(_rental, _unit)
)

_UNIT_COLUMNS = (
    _unit.c.id,
    _unit.c.number,
    _unit.c.state,
    _unit.c.pms_status,
    _unit.c.emergency_until,
    _unit.c.access_until,
    _rental.c.id,
    _rental.c.person_id,
    _rental.c.lease_start,
    _group.c.opens,
    _group.c.closes,
    _other_unit_delinquent.label("other_unit_delinquent"),
    _share.c.id,
    _share.c.expires_at,
    _share.c.revoked_at,
    _rental.c.access_level_id,
    _rental.c.around_the_clock,
    _unit.c.building,
    _unit.c.floor,
)


def _with_rental_and_share(units: FromClause) -> FromClause:
    """`units` joined with each unit's active rental, its group's hours and the newest share."""
    return (
        units.outerjoin(
            _rental, and_(_rental.c.unit_id == _unit.c.id, _rental.c.ended_at.is_(None))
        )
        .outerjoin(_group, _group.c.id == _rental.c.access_group_id)
        .outerjoin(_share, _share.c.id == _latest_share_id)
    )


_UNITS_BASE = (
    select(*_UNIT_COLUMNS)
    .select_from(_with_rental_and_share(_unit))
    .where(_unit.c.facility_id == bindparam("facility_id"))
    .order_by(_unit.c.number, _unit.c.id)
)
# One unit (a unit lock) is the common case: an `=` statement is compiled once, while an
# expanding IN is rendered again on every execution.
_UNITS_ONE = _UNITS_BASE.where(_unit.c.id == bindparam("unit_id"))
_UNITS = _UNITS_BASE.where(_unit.c.id.in_(bindparam("unit_ids", expanding=True)))
# At an entry point, only the units it serves (its scopes; none: the whole facility).
_SERVED = serves(bindparam("door_id"), _unit)
_SERVED_ONE = _UNITS_ONE.where(_SERVED)
_SERVED_MANY = _UNITS.where(_SERVED)

# A unit lock's door, facility and unit facts in one round trip (the common access request).
_SITE_AND_UNIT = (
    select(*_SITE.selected_columns, *_UNIT_COLUMNS)
    .select_from(
        _with_rental_and_share(
            _door.join(_facility, _facility.c.id == _door.c.facility_id).outerjoin(
                _unit,
                and_(_unit.c.id == _door.c.unit_id, _unit.c.facility_id == _door.c.facility_id),
            )
        )
    )
    .where(_door.c.id == bindparam("door_id"), _door.c.removed_at.is_(None))
)
_SITE_WIDTH = len(_SITE.selected_columns)

_GRANTS = select(
    _grant.c.id,
    _grant.c.kind,
    _grant.c.window_start,
    _grant.c.window_end,
    _grant.c.revoked_at.is_not(None),
).where(
    _grant.c.unit_id == bindparam("unit_id"),
    _grant.c.person_id == bindparam("person"),
    or_(_grant.c.revoked_at.is_(None), _grant.c.revoked_reason == WINDOW_ENDED),
)


def door_site(conn: Connection, door_id: str) -> SiteFacts | None:
    """The door with its facility, or None when there is no such door."""
    row: Sequence[Any] | None = conn.execute(_SITE, {"door_id": door_id}).first()
    return SiteFacts(*row) if row is not None else None


def door_site_and_units(
    conn: Connection, door_id: str, person_id: str, now: datetime
) -> tuple[SiteFacts, list[UnitFacts]] | None:
    """The door with its facility and, for a unit's door, what `units_for` gives for that
    unit and `person_id` (an empty list for other doors); None when there is no such door."""
    params = {"door_id": door_id, "person": person_id, "now": now}
    rows = conn.execute(_SITE_AND_UNIT, params).all()
    if not rows:
        return None
    site = SiteFacts(*rows[0][:_SITE_WIDTH])
    units = [_unit_facts(r[_SITE_WIDTH:]) for r in rows if r[_SITE_WIDTH] is not None]
    return site, units


def units_for(
    conn: Connection, unit_ids: Iterable[str], facility_id: str, person_id: str, now: datetime
) -> list[UnitFacts]:
    """The units among `unit_ids` at the facility, by number, each with its active rental
    (and whether its tenant has another unit delinquent at `now`) and the newest key shared
    with `person_id` under that rental."""
    ids = list(unit_ids)
    if not ids:
        return []
    params = {"facility_id": facility_id, "person": person_id, "now": now}
    if len(ids) == 1:
        rows = conn.execute(_UNITS_ONE, {**params, "unit_id": ids[0]}).all()
    else:
        rows = conn.execute(_UNITS, {**params, "unit_ids": ids}).all()
    return [_unit_facts(r) for r in rows]


def units_served(
    conn: Connection, unit_ids: Iterable[str], site: SiteFacts, person_id: str, now: datetime
) -> list[UnitFacts]:
    """`units_for` the units among `unit_ids` that the entry point of `site` serves."""
    ids = list(unit_ids)
    if not ids:
        return []
    params = {"facility_id": site.facility_id, "door_id": site.id, "person": person_id, "now": now}
    if len(ids) == 1:
        rows = conn.execute(_SERVED_ONE, {**params, "unit_id": ids[0]}).all()
    else:
        rows = conn.execute(_SERVED_MANY, {**params, "unit_ids": ids}).all()
    return [_unit_facts(r) for r in rows]


def _unit_facts(r: Sequence[Any]) -> UnitFacts:
    """A row of `_UNIT_COLUMNS`."""
    rental = (
        RentalFacts(r[6], r[7], r[8], r[9], r[10], bool(r[11]), r[15], bool(r[16]))
        if r[6] is not None
        else None
    )
    share = ShareFacts(r[12], r[13], r[14]) if r[12] is not None else None
    return UnitFacts(r[0], r[1], r[2], r[3], r[4], r[5], rental, share, r[17], r[18])


def unit_grants(conn: Connection, unit_id: str, person_id: str) -> list[GrantFacts]:
    """The person's auction grants on the unit, unrevoked or revoked when their window
    ended (asked about, such a grant is not in force: the decision says the window is
    over rather than that nothing relates the person to the unit)."""
    rows = conn.execute(_GRANTS, {"unit_id": unit_id, "person": person_id})
    return [GrantFacts(*r) for r in rows]
