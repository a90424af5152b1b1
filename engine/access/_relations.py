"""How a person relates to the units behind a door, as the policy's access requests.

A person may relate to a unit in several ways (its tenant, holder of a shared key, auction
winner, clean-out employee); each relation is one request of the proven space, and an
employee is always also asked with relation `none` (specs/policy-language.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from engine.access._hours import local_date, within_hours
from engine.access._membership import related_units
from engine.access._scope import Caller
from engine.domain import Channel, DoorKind, Permission, PrincipalKind, Relation, UnitState
from engine.persistence.tables import (
    AccessGroup,
    AuctionGrant,
    Door,
    Facility,
    KeyShare,
    Rental,
    Unit,
)
from engine.policy import AccessRequest
from engine.units import effective_state

__all__ = ["Candidate", "candidates"]

_APP_PRINCIPAL = {
    Relation.TENANT: PrincipalKind.TENANT,
    Relation.SHARED: PrincipalKind.SHARED_USER,
    Relation.WINNER: PrincipalKind.AUCTION_WINNER,
}
_ROLE_PRINCIPAL = {
    "tenant": PrincipalKind.TENANT,
    "shared_user": PrincipalKind.SHARED_USER,
    "auction_winner": PrincipalKind.AUCTION_WINNER,
    "employee": PrincipalKind.EMPLOYEE,
}


@dataclass(frozen=True)
class Candidate:
    """One request the policy is asked, and what relates the person to its unit."""

    request: AccessRequest
    unit_id: str | None
    via: str
    """`rental:<id>`, `share:<id>`, `grant:<id>` or `role` (no relation to the unit)."""


@dataclass
class _Context:
    session: Session
    caller: Caller
    door: Door
    facility: Facility
    channel: Channel
    now: datetime
    permissions: frozenset[Permission]

    def hours(self, rental: Rental | None = None) -> bool:
        opens, closes = self.facility.access_opens, self.facility.access_closes
        if rental is not None and rental.access_group_id is not None:
            group = self.session.get(AccessGroup, rental.access_group_id)
            if group is not None:
                opens, closes = group.opens, group.closes
        return within_hours(self.now, self.facility.timezone, opens, closes)

    def lease_started(self, rental: Rental) -> bool:
        return rental.lease_start <= local_date(self.now, self.facility.timezone)

    def principal(self, relation: Relation) -> PrincipalKind:
        if self.caller.is_employee:
            return PrincipalKind.EMPLOYEE
        return _APP_PRINCIPAL.get(relation, _ROLE_PRINCIPAL[self.caller.role])

    def request(
        self,
        unit: Unit | None,
        relation: Relation,
        *,
        lease_started: bool = False,
        hours: bool | None = None,
        grant_active: bool = False,
        other_delinquent: bool = False,
    ) -> AccessRequest:
        principal = self.principal(relation)
        return AccessRequest(
            principal=principal,
            door=DoorKind(self.door.kind),
            unit_state=effective_state(unit, self.now) if unit is not None else None,
            relation=relation,
            permissions=self.permissions if principal is PrincipalKind.EMPLOYEE else frozenset(),
            lease_started=lease_started,
            within_access_hours=self.hours() if hours is None else hours,
            grant_active=grant_active,
            other_unit_delinquent=other_delinquent,
            channel=self.channel,
        )


def candidates(
    session: Session,
    caller: Caller,
    door: Door,
    facility: Facility,
    channel: Channel,
    now: datetime,
    permissions: frozenset[Permission],
) -> list[Candidate]:
    """Every request to ask for `caller` at `door`, the door's own unit first."""
    ctx = _Context(session, caller, door, facility, channel, now, permissions)
    units = _units_in_question(session, door, facility, caller.person_id)
    out: list[Candidate] = []
    for unit in units:
        out.extend(_for_unit(ctx, unit))
    if caller.is_employee or not out:
        door_unit = units[0] if door.unit_id is not None and units else None
        out.append(Candidate(ctx.request(door_unit, Relation.NONE), door.unit_id, "role"))
    return out


def _units_in_question(session: Session, door: Door, facility: Facility, person: str) -> list[Unit]:
    if door.unit_id is not None:
        unit = session.get(Unit, door.unit_id)
        return [unit] if unit is not None else []
    # An entry point: every unit of the facility the person relates to.
    ids = related_units(session, person, revoked_shares=True)
    if not ids:
        return []
    return list(
        session.exec(
            select(Unit)
            .where(col(Unit.id).in_(list(ids)), Unit.facility_id == facility.id)
            .order_by(col(Unit.number))
        ).all()
    )


def _for_unit(ctx: _Context, unit: Unit) -> Iterable[Candidate]:
    session, person = ctx.session, ctx.caller.person_id
    rental = session.exec(
        select(Rental).where(Rental.unit_id == unit.id, col(Rental.ended_at).is_(None))
    ).first()
    if rental is not None and rental.person_id == person and not ctx.caller.is_employee:
        yield _through_rental(ctx, unit, rental, Relation.TENANT, True, f"rental:{rental.id}")
    if rental is not None:
        share = _latest_share(session, rental.id, person)
        if share is not None:
            live = share.revoked_at is None and (
                share.expires_at is None or share.expires_at > ctx.now
            )
            yield _through_rental(ctx, unit, rental, Relation.SHARED, live, f"share:{share.id}")
    # Grants exist only around auctions: vacate and the end of a window revoke them.
    grants = _live_grants(session, unit.id, person) if UnitState(unit.state).is_lien else []
    for grant in grants:
        relation = Relation.WINNER if grant.kind == "winner" else Relation.CLEANOUT
        if (relation is Relation.CLEANOUT) != ctx.caller.is_employee:
            continue  # clean-out access is an employee's; a winner uses the app
        active = grant.window_start <= ctx.now < grant.window_end
        yield Candidate(
            ctx.request(unit, relation, grant_active=active), unit.id, f"grant:{grant.id}"
        )


def _through_rental(
    ctx: _Context, unit: Unit, rental: Rental, relation: Relation, active: bool, via: str
) -> Candidate:
    """The request of the rental's tenant, or of someone holding a key the tenant shared."""
    request = ctx.request(
        unit,
        relation,
        lease_started=ctx.lease_started(rental),
        hours=ctx.hours(rental),
        grant_active=active,
        other_delinquent=_other_unit_delinquent(ctx, rental),
    )
    return Candidate(request, unit.id, via)


def _latest_share(session: Session, rental_id: str, person: str) -> KeyShare | None:
    return session.exec(
        select(KeyShare)
        .where(KeyShare.rental_id == rental_id, KeyShare.grantee_id == person)
        .order_by(col(KeyShare.created_at).desc(), col(KeyShare.id))
    ).first()


def _live_grants(session: Session, unit_id: str, person: str) -> list[AuctionGrant]:
    return list(
        session.exec(
            select(AuctionGrant).where(
                AuctionGrant.unit_id == unit_id,
                AuctionGrant.person_id == person,
                col(AuctionGrant.revoked_at).is_(None),
            )
        ).all()
    )


def _other_unit_delinquent(ctx: _Context, rental: Rental) -> bool:
    """Whether the rental's tenant has another unit at the facility in gatelock or overlock."""
    others = ctx.session.exec(
        select(Unit)
        .join(Rental, col(Rental.unit_id) == col(Unit.id))
        .where(
            Rental.person_id == rental.person_id,
            col(Rental.ended_at).is_(None),
            Unit.facility_id == ctx.facility.id,
            Unit.id != rental.unit_id,
        )
    ).all()
    return any(effective_state(u, ctx.now) in _DELINQUENT for u in others)


_DELINQUENT = (UnitState.GATELOCK, UnitState.OVERLOCK)
