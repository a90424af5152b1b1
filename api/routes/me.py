"""The tenant app: my facilities across companies, my units and doors, my activity feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlmodel import Session, col, select

from api.auth import APP_ROLES
from api.problems import problems
from api.routes._expiry import read_with_expiries
from api.schemas import ActivityItem, DoorAccess, MeOut, MyFacility, MyUnit
from engine.access import (
    RELATION_ORDER,
    Caller,
    SiteFacts,
    doors_of_unit,
    person_facilities,
    related_units,
)
from engine.diagnosis import AppSeen
from engine.domain import Channel, DenialReason, UnitState
from engine.errors import NotFoundError
from engine.persistence.tables import (
    AccessDecisionRecord,
    Company,
    Door,
    Facility,
    KeyShare,
    LockAction,
    LockEventRecord,
    Person,
    Rental,
    TransitionRecord,
    Unit,
)
from engine.policy import PolicyStore
from engine.runtime import Runtime
from engine.units import effective_state

__all__ = ["me_router"]


@get("/me", responses=problems(404), sync_to_thread=True)
def me(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    app_seen: NamedDependency[AppSeen],
) -> MeOut:
    """My account and every facility I can switch to, in any company (seed 000 step 7)."""
    _seen(app_seen, caller)
    with runtime.db.read() as s:
        person = _me(s, caller)
        relations = person_facilities(s, person.id)
        facilities = []
        if relations:
            rows = s.exec(
                select(Facility, Company)
                .join(Company, col(Company.id) == col(Facility.company_id))
                .where(col(Facility.id).in_(list(relations)))
                .order_by(col(Company.name), col(Facility.name))
            ).all()
            facilities = [
                MyFacility(
                    company_id=c.id,
                    company_name=c.name,
                    facility_id=f.id,
                    facility_name=f.name,
                    relations=sorted(relations[f.id]),
                )
                for f, c in rows
            ]
    return MeOut(
        id=person.id,
        name=person.name,
        email=person.email,
        mobile=person.mobile,
        company_id=caller.company_id,
        facilities=facilities,
    )


@get("/me/units", responses=problems(404), sync_to_thread=True)
def my_units(
    runtime: NamedDependency[Runtime],
    policies: NamedDependency[PolicyStore],
    caller: NamedDependency[Caller],
    app_seen: NamedDependency[AppSeen],
) -> list[MyUnit]:
    """Units I rent, hold a key to or won in this company, and which doors open for me now:
    each unit's lock and the entry points that serve it.

    Each door says why not when it would not open (nothing is logged: this is a preview).
    """
    _seen(app_seen, caller)
    policy = policies.current
    now = runtime.clock.now()

    def read(s: Session) -> tuple[list[MyUnit], list[Unit]]:
        _me(s, caller)
        out = []
        mine = _my_units(s, caller)
        for unit, facility, relation in mine:
            access = []
            for door in doors_of_unit(s, unit):
                site = SiteFacts.of(door, facility)
                preview = runtime.access.preview(
                    s, caller, site, Channel.PHONE_RELAY, policy, now=now
                )
                d = preview.decision
                access.append(
                    DoorAccess(
                        door_id=door.id,
                        name=door.name,
                        kind=door.kind,
                        allowed=d.allowed,
                        reason=d.reason,
                        rule=d.rule,
                        reason_code=d.reason_code,
                    )
                )
            out.append(
                MyUnit(
                    unit_id=unit.id,
                    facility_id=facility.id,
                    facility_name=facility.name,
                    number=unit.number,
                    relation=relation,
                    state=effective_state(unit, now),
                    doors=access,
                )
            )
        return out, [unit for unit, _, _ in mine]

    return read_with_expiries(runtime, now, read)


@get("/me/activity", responses=problems(404), sync_to_thread=True)
def my_activity(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    limit: Annotated[int, QueryParameter(ge=1, le=1000, description="newest items first")] = 100,
) -> list[ActivityItem]:
    """Everything that happened at units I rent, during my rental: every access attempt by
    anyone (employees included, invariant 10), lifecycle changes, and shares."""
    with runtime.db.read() as s:
        _me(s, caller)
        items: list[ActivityItem] = []
        rentals = s.exec(
            select(Rental)
            .join(Unit, col(Unit.id) == col(Rental.unit_id))
            .join(Facility, col(Facility.id) == col(Unit.facility_id))
            .where(Rental.person_id == caller.person_id, Facility.company_id == caller.company_id)
        ).all()
        names = _NameCache(s)
        for rental in rentals:
            shares = s.exec(select(KeyShare).where(KeyShare.rental_id == rental.id)).all()
            labels = {sh.grantee_id: sh.grantee_label or "someone" for sh in shares}
            items += _accesses(s, rental, names, labels, limit)
            items += _transitions(s, rental, limit)
            items += _lock_events(s, rental, names, labels, limit)
            items += _shares(rental, shares, names)
    items.sort(key=lambda i: i.at, reverse=True)
    return items[:limit]


def _seen(app_seen: AppSeen, caller: Caller) -> None:
    """The person's app called (seed 000 step 8; employees' portal calls are not the app)."""
    if caller.role in APP_ROLES:
        app_seen.note(caller.person_id)


def _me(session: Session, caller: Caller) -> Person:
    person = session.get(Person, caller.person_id)
    if person is None:
        raise NotFoundError("no account for this token", help="ask for a new token")
    return person


def _my_units(session: Session, caller: Caller) -> list[tuple[Unit, Facility, str]]:
    """(unit, facility, relation) in the caller's company, by facility and unit number."""
    related = related_units(session, caller.person_id)
    found = {u: next(r for r in RELATION_ORDER if r in rs) for u, rs in related.items()}
    if not found:
        return []
    rows = session.exec(
        select(Unit, Facility)
        .join(Facility, col(Facility.id) == col(Unit.facility_id))
        .where(col(Unit.id).in_(list(found)), Facility.company_id == caller.company_id)
        .order_by(col(Facility.name), col(Unit.number))
    ).all()
    return [(u, f, found[u.id]) for u, f in rows]


class _NameCache:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._names: dict[str, str | None] = {}

    def person(self, person_id: str | None) -> str | None:
        if person_id is None:
            return None
        if person_id not in self._names:
            person = self._session.get(Person, person_id)
            self._names[person_id] = person.name if person else None
        return self._names[person_id]

    def door(self, door_id: str) -> str | None:
        key = f"door:{door_id}"
        if key not in self._names:
            door = self._session.get(Door, door_id)
            self._names[key] = door.name if door else None
        return self._names[key]


def _window(query, model, rental: Rental):  # type: ignore[no-untyped-def]
    query = query.where(col(model.at) >= rental.started_at)
    if rental.ended_at is not None:
        query = query.where(col(model.at) <= rental.ended_at)
    return query


def _accesses(
    session: Session, rental: Rental, names: _NameCache, labels: dict[str, str], limit: int
) -> list[ActivityItem]:
    """Accesses to the rented unit; someone the tenant shared a key with is named as the
    tenant named them (`labels`), not by their account's name."""
    query = select(AccessDecisionRecord).where(AccessDecisionRecord.unit_id == rental.unit_id)
    rows = session.exec(
        _window(query, AccessDecisionRecord, rental)
        # By time: ids are unique but not in time order across API processes (each draws
        # its ids ahead in blocks on PostgreSQL).
        .order_by(col(AccessDecisionRecord.at).desc(), col(AccessDecisionRecord.id).desc())
        .limit(limit)
    ).all()
    out = []
    for r in rows:
        name = labels.get(r.person_id or "") or names.person(r.person_id)
        who = name or "someone"
        verb = "opened" if r.allowed else "was refused at"
        door = names.door(r.door_id)
        note = f" ({r.note})" if r.note else ""
        out.append(
            ActivityItem(
                at=r.at,
                kind="access",
                unit_id=rental.unit_id,
                actor_id=r.person_id,
                actor_name=name,
                actor_kind=r.principal_kind,
                summary=f"{who} ({r.principal_kind}) {verb} {door} via {r.channel}{note}",
                allowed=r.allowed,
                door_name=door,
                reason_code=DenialReason(r.reason_code) if r.reason_code else None,
            )
        )
    return out


_LOCK_EVENT_TEXT = {
    "unlocked": "unlocked",
    "offline_unlocked": "unlocked with an offline key",
    "locked": "locked",
    "refused": "refused",
}


def _lock_events(
    session: Session, rental: Rental, names: _NameCache, labels: dict[str, str], limit: int
) -> list[ActivityItem]:
    """What the unit's lock logged with a person to it (its own log, uploaded later):
    employees' remote opens included (invariant 10)."""
    query = (
        select(LockEventRecord, Door)
        .join(Door, col(Door.lock_ref) == col(LockEventRecord.lock_id))
        .where(
            Door.unit_id == rental.unit_id,
            col(LockEventRecord.person_id).is_not(None),
            Door.facility_id == LockEventRecord.facility_id,
        )
    )
    # The lock's clock counts whole seconds: an event in the rental's first second reads
    # as before it.
    query = query.where(col(LockEventRecord.at) > rental.started_at - timedelta(seconds=1))
    if rental.ended_at is not None:
        query = query.where(col(LockEventRecord.at) <= rental.ended_at)
    rows = session.exec(
        query.order_by(col(LockEventRecord.at).desc(), col(LockEventRecord.id).desc()).limit(limit)
    ).all()
    out = []
    for event, door in rows:
        action_id = event.detail.get("action_id")
        action = session.get(LockAction, action_id) if isinstance(action_id, str) else None
        if action is not None:
            kind = "employee"
        elif event.person_id == rental.person_id:
            kind = "tenant"
        else:
            kind = "shared_user" if event.person_id in labels else "employee"
        name = labels.get(event.person_id or "") or names.person(event.person_id)
        what = _LOCK_EVENT_TEXT.get(event.kind, event.kind.replace("_", " "))
        via = " remotely" if action is not None else ""
        code = event.detail.get("reason_code")
        out.append(
            ActivityItem(
                at=event.at,
                kind="lock_event",
                unit_id=rental.unit_id,
                actor_id=event.person_id,
                actor_name=name,
                actor_kind=kind,
                summary=f"the lock of {door.name} logged: {what}{via} for {name or 'someone'} "
                f"({kind}, event {event.counter})",
                allowed=event.kind != "refused",
                door_name=door.name,
                reason_code=DenialReason(code) if isinstance(code, str) else None,
            )
        )
    return out


def _transitions(session: Session, rental: Rental, limit: int) -> list[ActivityItem]:
    query = select(TransitionRecord).where(TransitionRecord.unit_id == rental.unit_id)
    rows = session.exec(
        _window(query, TransitionRecord, rental)
        .order_by(col(TransitionRecord.id).desc())
        .limit(limit)
    ).all()
    return [
        ActivityItem(
            at=t.at,
            kind="transition",
            unit_id=rental.unit_id,
            actor_id=t.actor.removeprefix("person:") if t.actor.startswith("person:") else None,
            actor_name=None,
            actor_kind="employee" if t.source == "portal" else t.source,
            summary=f"{UnitState(t.from_state).value} → {UnitState(t.to_state).value} ({t.event})"
            + (f": {t.reason}" if t.reason else ""),
        )
        for t in rows
    ]


def _shares(rental: Rental, shares: Sequence[KeyShare], names: _NameCache) -> list[ActivityItem]:
    out = []
    for share in shares:
        grantee = share.grantee_label or "someone"
        out.append(
            ActivityItem(
                at=share.created_at,
                kind="share_created",
                unit_id=rental.unit_id,
                actor_id=rental.person_id,
                actor_name=names.person(rental.person_id),
                actor_kind="tenant",
                summary=f"key shared with {grantee}",
            )
        )
        if share.revoked_at is not None:
            out.append(
                ActivityItem(
                    at=share.revoked_at,
                    kind="share_revoked",
                    unit_id=rental.unit_id,
                    actor_id=None,
                    actor_name=None,
                    actor_kind="tenant",
                    summary=f"key of {grantee} revoked ({share.revoked_reason})",
                )
            )
    return out


me_router = Router("/v1", route_handlers=[me, my_units, my_activity], tags=["app: me"])
