"""How a person relates to the units behind a door, as the policy's access requests.

A person may relate to a unit in several ways (its tenant, holder of a shared key, auction
winner, clean-out employee); each relation is one request of the proven space, and an
employee is always also asked with relation `none` (specs/policy-language.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from engine.access._facts import (
    RentalFacts,
    SiteFacts,
    UnitFacts,
    unit_grants,
    units_for,
    units_served,
)
from engine.access._hours import local_date
from engine.access._membership import related_units
from engine.access._scope import Caller
from engine.domain import (
    Channel,
    DenialReason,
    DoorKind,
    Permission,
    PrincipalKind,
    Relation,
    UnitState,
)
from engine.levels import FacilityLevels, Level, compiled_levels, daily_level, judge, role_ids_at
from engine.policy import AccessRequest
from engine.units import effective_state, expiry_due

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
    expiry_due: bool = False
    """The unit's lien has reached its stated end but its expiry is not recorded yet (the
    request carries the effective state)."""
    lapsed: DenialReason | None = None
    """Why the share or grant of `via` is not in force (revoked, expired, window not open);
    None when it is, or when there is none."""


@dataclass
class _Context:
    conn: Connection
    caller: Caller
    site: SiteFacts
    channel: Channel
    now: datetime
    permissions: frozenset[Permission]
    levels: FacilityLevels
    _own: tuple[bool, bool] | None = None

    def _defaults(self, rental: RentalFacts | None = None) -> list[Level]:
        """The facility default levels; without one marked default, every entry point ×
        the facility's hours (or those of the rental's access group)."""
        if self.levels.defaults:
            return list(self.levels.defaults)
        opens, closes = self.site.access_opens, self.site.access_closes
        if rental is not None and rental.opens is not None and rental.closes is not None:
            opens, closes = rental.opens, rental.closes
        return [daily_level(opens, closes)]

    def _judge(self, levels: list[Level], around_the_clock: bool = False) -> tuple[bool, bool]:
        site = self.site
        unit_lock = site.unit_id is not None
        return judge(levels, site.id, unit_lock, self.now, site.timezone, around_the_clock)

    def own_levels(self) -> tuple[bool, bool]:
        """`(within_schedule, door_in_area)` under the levels the caller holds themself:
        an employee's roles' levels and the defaults, anyone else's the defaults."""
        if self._own is None:
            levels = self._defaults()
            if self.caller.is_employee and self.levels.roles:
                site = self.site
                for role in role_ids_at(
                    self.conn, self.caller.person_id, site.facility_id, site.company_id
                ):
                    levels.extend(self.levels.roles.get(role, ()))
            self._own = self._judge(levels)
        return self._own

    def rental_levels(self, unit: UnitFacts, rental: RentalFacts) -> tuple[bool, bool]:
        """`(within_schedule, door_in_area)` under the levels of a rental: the defaults,
        those of its unit's building and floor, the rental's own; its 24/7 override."""
        levels = self._defaults(rental)
        if self.levels.places:
            levels.extend(self.levels.of_unit(unit.building, unit.floor))
        if rental.access_level_id is not None:
            own = self.levels.by_id.get(rental.access_level_id)
            if own is not None:
                levels.append(own)
        return self._judge(levels, rental.around_the_clock)

    def lease_started(self, rental: RentalFacts) -> bool:
        return rental.lease_start <= local_date(self.now, self.site.timezone)

    def principal(self, relation: Relation) -> PrincipalKind:
        if self.caller.is_employee:
            return PrincipalKind.EMPLOYEE
        return _APP_PRINCIPAL.get(relation, _ROLE_PRINCIPAL[self.caller.role])

    def request(
        self,
        unit: UnitFacts | None,
        relation: Relation,
        *,
        lease_started: bool = False,
        levels: tuple[bool, bool] | None = None,
        grant_active: bool = False,
        other_delinquent: bool = False,
    ) -> AccessRequest:
        principal = self.principal(relation)
        within, in_area = self.own_levels() if levels is None else levels
        return AccessRequest(
            principal=principal,
            door=DoorKind(self.site.kind),
            unit_state=effective_state(unit, self.now) if unit is not None else None,
            relation=relation,
            permissions=self.permissions if principal is PrincipalKind.EMPLOYEE else frozenset(),
            lease_started=lease_started,
            within_schedule=within,
            door_in_area=in_area,
            grant_active=grant_active,
            other_unit_delinquent=other_delinquent,
            channel=self.channel,
        )


def candidates(
    conn: Connection,
    caller: Caller,
    site: SiteFacts,
    channel: Channel,
    now: datetime,
    permissions: frozenset[Permission],
    door_units: list[UnitFacts] | None = None,
    related: dict[str, set[str]] | None = None,
) -> list[Candidate]:
    """Every request to ask for `caller` at the door of `site`, the door's own unit first
    (`door_units`: that unit as `units_for` gives it for `caller`, when already read;
    `related`: what `related_units` gives for `caller` with revoked shares, when already
    read for several doors)."""
    levels = compiled_levels(conn, site.facility_id, site.levels_version)
    ctx = _Context(conn, caller, site, channel, now, permissions, levels)
    if site.unit_id is not None and door_units is not None:
        units = door_units
    else:
        units = _units_in_question(conn, site, caller.person_id, now, related)
    out: list[Candidate] = []
    for unit in units:
        out.extend(_for_unit(ctx, unit))
    if caller.is_employee or not out:
        door_unit = units[0] if site.unit_id is not None and units else None
        out.append(Candidate(ctx.request(door_unit, Relation.NONE), site.unit_id, "role"))
    due = {u.id for u in units if expiry_due(u, now) is not None}
    if due:
        out = [replace(c, expiry_due=c.unit_id in due) for c in out]
    return out


def _units_in_question(
    conn: Connection,
    site: SiteFacts,
    person: str,
    now: datetime,
    related: dict[str, set[str]] | None = None,
) -> list[UnitFacts]:
    if site.unit_id is not None:
        return units_for(conn, [site.unit_id], site.facility_id, person, now)
    # An entry point: every unit it serves that the person relates to.
    if related is None:
        related = related_units(conn, person, revoked_shares=True)
    return units_served(conn, related, site, person, now)


def _for_unit(ctx: _Context, unit: UnitFacts) -> Iterable[Candidate]:
    rental, person = unit.rental, ctx.caller.person_id
    if rental is not None and rental.person_id == person and not ctx.caller.is_employee:
        yield _through_rental(ctx, unit, rental, Relation.TENANT, True, f"rental:{rental.id}")
    share = unit.share
    if rental is not None and share is not None:
        lapsed = _share_lapsed(share.revoked_at, share.expires_at, ctx.now)
        yield _through_rental(
            ctx, unit, rental, Relation.SHARED, lapsed is None, f"share:{share.id}", lapsed
        )
    # Grants exist only around auctions: vacate and the end of a window revoke them.
    grants = unit_grants(ctx.conn, unit.id, person) if UnitState(unit.state).is_lien else []
    for grant in grants:
        relation = Relation.WINNER if grant.kind == "winner" else Relation.CLEANOUT
        if (relation is Relation.CLEANOUT) != ctx.caller.is_employee:
            continue  # clean-out access is an employee's; a winner uses the app
        active = not grant.revoked and grant.window_start <= ctx.now < grant.window_end
        yield Candidate(
            ctx.request(unit, relation, grant_active=active),
            unit.id,
            f"grant:{grant.id}",
            lapsed=None if active else DenialReason.GRANT_EXPIRED,
        )


def _share_lapsed(
    revoked_at: datetime | None, expires_at: datetime | None, now: datetime
) -> DenialReason | None:
    """Why a share is not in force: revoked (even if also past its expiry), else expired."""
    if revoked_at is not None:
        return DenialReason.SHARE_REVOKED
    if expires_at is not None and expires_at <= now:
        return DenialReason.SHARE_EXPIRED
    return None


def _through_rental(
    ctx: _Context,
    unit: UnitFacts,
    rental: RentalFacts,
    relation: Relation,
    active: bool,
    via: str,
    lapsed: DenialReason | None = None,
) -> Candidate:
    """The request of the rental's tenant, or of someone holding a key the tenant shared."""
    request = ctx.request(
        unit,
        relation,
        lease_started=ctx.lease_started(rental),
        levels=ctx.rental_levels(unit, rental),
        grant_active=active,
        other_delinquent=rental.other_unit_delinquent,
    )
    return Candidate(request, unit.id, via, lapsed=lapsed)
