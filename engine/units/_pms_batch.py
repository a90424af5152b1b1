"""PMS events applied as a set: the rows `apply_pms_event` writes, with a few statements a batch.

One at a time, an event costs about ten statements through the ORM (load the unit and its
rental, compare-and-set, transition, audit head and entry, ...), ~5 ms on PostgreSQL. Here
the batch's units and active rentals are read with one statement each, every event is
planned in memory with the same machine and helpers as `apply_pms_event`, and the results
are written at the end: people and rentals as multi-row inserts, units with one executemany
that checks each unit's version, transitions and conflicts as multi-row inserts, audit
entries with one `extend` per facility. A vacate revokes shares and grants as it comes,
since their counts go into its audit entry; two reads per batch tell which units have any.
A unit whose auction window or emergency has reached its end is locked when read and gets
its expiry recorded before its first event, as `apply_pms_event` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlmodel import Session

from engine.audit import PendingEntry
from engine.domain import EventSource, LifecycleEvent, UnitState
from engine.lifecycle import PMS_STATUS_AFTER, EventRequest, Outcome
from engine.persistence import connection_of, new_id, table_of
from engine.persistence.tables import (
    AuctionGrant,
    KeyShare,
    Person,
    Rental,
    SyncConflict,
    TransitionRecord,
    Unit,
)
from engine.units._activation import follow_rentals, start_activations
from engine.units._conflicts import CLOSE_OPEN, closes_conflicts, resolution_values
from engine.units._effects import WINDOW_ENDED
from engine.units._errors import ConcurrentUpdate, UnitNotFound
from engine.units._expiry_batch import EXPIRY_ACTOR
from engine.units._notices import access_change, notify_access_changed
from engine.units._offline_keys import ends_offline_keys, live_key_units, revoke_offline_keys
from engine.units._pms import (
    PmsEvent,
    PmsOutcome,
    PmsResult,
    PmsTenant,
    check_pms_event,
    plan_steps,
    pms_result,
    update_rental,
)
from engine.units._service import (
    LifecycleService,
    conflict_entry,
    conflict_row,
    transition_entry,
    transition_row,
    unit_values,
)
from engine.units._snapshot import expiry_due, snapshot

__all__ = ["apply_pms_batch"]

_unit, _rental, _person = table_of(Unit), table_of(Rental), table_of(Person)
_transition = table_of(TransitionRecord)
_INSERT_TRANSITIONS = insert(_transition).returning(_transition.c.id, sort_by_parameter_order=True)
_share, _grant = table_of(KeyShare), table_of(AuctionGrant)

_UNIT_COLUMNS = (
    "id",
    "facility_id",
    "state",
    "pms_status",
    "version",
    "last_pms_seq",
    "lien_reason",
    "emergency_until",
    "access_until",
    "updated_at",
)
_WRITTEN_UNIT_COLUMNS = _UNIT_COLUMNS[2:]
_READ_UNITS = select(*(_unit.c[c] for c in _UNIT_COLUMNS)).where(
    _unit.c.id.in_(bindparam("ids", expanding=True))
)
_LOCK_UNITS = _READ_UNITS.order_by(_unit.c.id).with_for_update()
_READ_RENTALS = (
    select(_rental)
    .where(_rental.c.unit_id.in_(bindparam("ids", expanding=True)), _rental.c.ended_at.is_(None))
    .order_by(_rental.c.started_at, _rental.c.id)
)
_PEOPLE_BY_EMAIL = select(_person.c.email, _person.c.id).where(
    _person.c.email.in_(bindparam("emails", expanding=True))
)
_PEOPLE_BY_MOBILE = (
    select(_person.c.mobile, _person.c.id)
    .where(_person.c.mobile.in_(bindparam("mobiles", expanding=True)))
    .order_by(_person.c.created_at, _person.c.id)
)
_WRITE_UNIT = update(_unit).where(
    _unit.c.id == bindparam("b_id"), _unit.c.version == bindparam("b_read_version")
)
_WRITE_RENTAL = update(_rental).where(_rental.c.id == bindparam("b_id"))
_SHARED_UNITS = select(_share.c.unit_id).where(
    _share.c.unit_id.in_(bindparam("ids", expanding=True)), _share.c.revoked_at.is_(None)
)
_GRANTED_UNITS = select(_grant.c.unit_id).where(
    _grant.c.unit_id.in_(bindparam("ids", expanding=True)), _grant.c.revoked_at.is_(None)
)
_conflict = table_of(SyncConflict)
_OPEN_CONFLICTS = (
    select(_conflict.c.unit_id, func.count())
    .where(_conflict.c.unit_id.in_(bindparam("ids", expanding=True)))
    .where(_conflict.c.resolved_at.is_(None))
    .group_by(_conflict.c.unit_id)
)
_REVOKE_SHARES = (
    update(_share)
    .where(_share.c.unit_id == bindparam("b_unit"), _share.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("b_now"), revoked_reason="unit vacated")
)
_REVOKE_GRANTS = (
    update(_grant)
    .where(_grant.c.unit_id == bindparam("b_unit"), _grant.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("b_now"), revoked_reason=bindparam("b_reason"))
)


@dataclass
class _WorkUnit:
    """A unit's columns as the batch has left them so far."""

    id: str
    facility_id: str
    state: str
    pms_status: str
    version: int
    last_pms_seq: int
    lien_reason: str | None
    emergency_until: datetime | None
    access_until: datetime | None
    updated_at: datetime


@dataclass
class _WorkRental:
    """A rental row as the batch has left it so far (`Rental`'s columns)."""

    id: str
    unit_id: str
    person_id: str
    pms_tenant_ref: str | None
    pms_rental_ref: str | None
    lease_start: date
    pms_status: str
    mobile: str | None
    phone: str | None
    email: str | None
    access_group_id: str | None
    started_at: datetime
    ended_at: datetime | None
    access_level_id: str | None = None
    around_the_clock: bool = False


def apply_pms_batch(
    db: Session | Connection, service: LifecycleService, events: Sequence[PmsEvent]
) -> list[PmsResult]:
    """Apply `events` in order as `apply_pms_event` would one after another; their results.

    Writes the same rows in `db`'s transaction. Raises (and leaves the transaction for the
    caller to roll back) as soon as an event would have raised, or `ConcurrentUpdate` when a
    unit changed since the batch read it.
    """
    if isinstance(db, Session):
        db.flush()  # Core reads below must see what the caller added through the ORM
    batch = _Batch(connection_of(db), service, events)
    results = [batch.apply(ev) for ev in events]
    batch.write()
    if isinstance(db, Session):
        _expire_touched(db, batch.units.keys())
    return results


class _Batch:
    """The working copies of a batch's rows and what is to be written."""

    def __init__(
        self, conn: Connection, service: LifecycleService, events: Sequence[PmsEvent]
    ) -> None:
        self.conn = conn
        self.service = service
        self.tenants = [ev.tenant for ev in events if ev.tenant is not None]
        ids = sorted({ev.unit_id for ev in events})
        self.units = {
            r.id: _WorkUnit(**r._mapping) for r in conn.execute(_READ_UNITS, {"ids": ids})
        }
        now = service.clock.now()
        due = sorted(uid for uid, u in self.units.items() if expiry_due(u, now) is not None)
        if due:  # locked before anything else, as `expire_if_due` does; read again under it
            for r in conn.execute(_LOCK_UNITS, {"ids": due}):
                self.units[r.id] = _WorkUnit(**r._mapping)
        self.read_versions = {uid: u.version for uid, u in self.units.items()}
        self.active: dict[str, list[_WorkRental]] = defaultdict(list)
        for r in conn.execute(_READ_RENTALS, {"ids": ids}):
            self.active[r.unit_id].append(_WorkRental(**r._mapping))
        self.rentals = {r.id: r for rs in self.active.values() for r in rs}
        # Only units with a live share or grant need the vacate's revoking statements.
        self.shared = set(conn.execute(_SHARED_UNITS, {"ids": ids}).scalars())
        self.granted = set(conn.execute(_GRANTED_UNITS, {"ids": ids}).scalars())
        # Only units some live offline key came from need its revoking statements.
        self.keyed = live_key_units(conn, {u.facility_id for u in self.units.values()}, now)
        # Open conflicts stored before the batch, by unit, and those the batch adds.
        self.open_conflicts: dict[str, int] = dict(
            conn.execute(_OPEN_CONFLICTS, {"ids": ids}).all()  # rows: (unit_id, count)
        )
        self.new_conflicts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.closes: list[dict[str, Any]] = []
        self.new_rentals: set[str] = set()
        self.changed_rentals: set[str] = set()
        self.people: list[dict[str, Any]] = []
        self.by_email: dict[str, str] | None = None
        self.by_mobile: dict[str, str] = {}
        self.transitions: list[dict[str, Any]] = []
        self.conflicts: list[dict[str, Any]] = []
        self.entries: dict[str, list[PendingEntry]] = defaultdict(list)
        # Transitions that change a tenant's access: (index in `transitions`, rental, state).
        self.access_changes: list[tuple[int, str, UnitState]] = []

    def apply(self, ev: PmsEvent) -> PmsResult:
        """One event, as `apply_pms_event` decides it, on the working copies."""
        check_pms_event(ev)
        unit = self.units.get(ev.unit_id)
        if unit is None:
            raise UnitNotFound(ev.unit_id)
        expiry = expiry_due(unit, self.service.clock.now())
        if expiry is not None:
            self._step(
                unit, self.service.request(expiry, actor=EXPIRY_ACTOR, source=EventSource.SYSTEM)
            )
        if ev.seq == unit.last_pms_seq:
            return PmsResult(PmsOutcome.DUPLICATE)
        if ev.seq < unit.last_pms_seq:
            return PmsResult(PmsOutcome.STALE)
        active = self.active[unit.id]
        rental = active[0] if active else None
        steps: list[Outcome] = []
        for event in plan_steps(UnitState(unit.state), rental, ev):
            request = self.service.request(
                event, actor="pms", source=EventSource.PMS, pms_seq=ev.seq
            )
            steps.append(self._step(unit, request))
            if event is LifecycleEvent.MOVE_IN:
                assert ev.tenant is not None
                rental = self._move_in(unit.id, ev.tenant)
        if ev.tenant is not None and rental is not None:
            update_rental(rental, ev.tenant, PMS_STATUS_AFTER[ev.event])
            self.changed_rentals.add(rental.id)
        if not steps:
            unit.last_pms_seq = max(unit.last_pms_seq, ev.seq)
            unit.updated_at = self.service.clock.now()
            unit.version += 1
            return PmsResult(PmsOutcome.UNCHANGED)
        return pms_result(steps)

    def _step(self, unit: _WorkUnit, request: EventRequest) -> Outcome:
        """`LifecycleService.apply` on the working copy of the unit."""
        outcome = self.service.machine.decide(snapshot(unit), request)
        for column, value in unit_values(unit, outcome, request).items():
            setattr(unit, column, value)
        unit.version += 1
        if outcome.conflict is not None:
            row = conflict_row(unit.id, unit.facility_id, outcome, request)
            self.conflicts.append(row)
            self.new_conflicts[unit.id].append(row)
            self.entries[unit.facility_id].append(conflict_entry(row, outcome, request))
            return outcome
        # INVARIANT: PMS events and expiries create no auction grants; their only effects
        # are a vacate's and an ended window's.
        effects: dict[str, int] = {}
        if outcome.changed and outcome.to_state is UnitState.AVAILABLE:
            effects = self._release_everyone(unit.id, request.now)
        elif outcome.event is LifecycleEvent.ACCESS_EXPIRED:
            ended = self._revoke_grants(unit.id, request.now, WINDOW_ENDED)
            effects = {"grants_revoked": ended}
        ending = ends_offline_keys(outcome)
        if ending is not None and unit.id in self.keyed:
            self.keyed.discard(unit.id)
            revoked = revoke_offline_keys(self.conn, unit.facility_id, unit.id, request.now, ending)
            if revoked:
                effects["offline_keys_revoked"] = revoked
        if closes_conflicts(outcome, request):
            closed = self._close_conflicts(unit.id, outcome, request)
            if closed:
                effects["conflicts_resolved"] = closed
        row = transition_row(unit.id, unit.facility_id, outcome, request, unit.version)
        entries = self.entries[unit.facility_id]
        entries.append(transition_entry(row, request, effects))
        # Its entry's place in the facility's batch; `write` adds where the chain ends.
        row["audit_seq"] = len(entries)
        change = access_change(outcome)
        if change is not None and self.active[unit.id]:
            self.access_changes.append((len(self.transitions), self.active[unit.id][0].id, change))
        self.transitions.append(row)
        return outcome

    def _close_conflicts(self, unit_id: str, outcome: Outcome, request: EventRequest) -> int:
        """`close_open_conflicts`: the batch's own rows close in memory, stored ones at write
        (before the batch's new conflicts are inserted, which must stay open)."""
        values = resolution_values(outcome, request)
        closed = 0
        for row in self.new_conflicts.pop(unit_id, []):
            row.update(values)
            closed += 1
        stored = self.open_conflicts.pop(unit_id, 0)
        if stored:
            self.closes.append({"b_unit": unit_id, **{f"b_{k}": v for k, v in values.items()}})
        return closed + stored

    def _release_everyone(self, unit_id: str, now: datetime) -> dict[str, int]:
        """`release_everyone`: rentals end here, shares and grants are revoked right away."""
        ended = self.active.pop(unit_id, [])
        for rental in ended:
            rental.ended_at, rental.pms_status = now, UnitState.AVAILABLE.value
            self.changed_rentals.add(rental.id)
        shares = 0
        if unit_id in self.shared:
            shares = self.conn.execute(_REVOKE_SHARES, {"b_unit": unit_id, "b_now": now}).rowcount
            self.shared.discard(unit_id)
        grants = self._revoke_grants(unit_id, now, "unit vacated")
        return {"rentals_ended": len(ended), "shares_revoked": shares, "grants_revoked": grants}

    def _revoke_grants(self, unit_id: str, now: datetime, reason: str) -> int:
        """`revoke_grants`, for units known to hold a live grant."""
        if unit_id not in self.granted:
            return 0
        self.granted.discard(unit_id)
        params = {"b_unit": unit_id, "b_now": now, "b_reason": reason}
        return int(self.conn.execute(_REVOKE_GRANTS, params).rowcount)

    def _move_in(self, unit_id: str, tenant: PmsTenant) -> _WorkRental:
        now = self.service.clock.now()
        rental = _WorkRental(
            id=new_id(),
            unit_id=unit_id,
            person_id=self._person_for(tenant, now),
            pms_tenant_ref=tenant.tenant_ref,
            pms_rental_ref=tenant.rental_ref,
            lease_start=tenant.lease_start,
            pms_status=UnitState.OCCUPIED.value,
            mobile=None,
            phone=None,
            email=None,
            access_group_id=None,
            started_at=now,
            ended_at=None,
        )
        update_rental(rental, tenant, UnitState.OCCUPIED)
        self.active[unit_id].append(rental)
        self.rentals[rental.id] = rental
        self.new_rentals.add(rental.id)
        return rental

    def _person_for(self, tenant: PmsTenant, now: datetime) -> str:
        """`find_person` then create (seed 000 step 7: an existing account is kept)."""
        if self.by_email is None:
            self._read_people()
        assert self.by_email is not None
        email = tenant.email.lower() if tenant.email else None
        found = (self.by_email.get(email) if email else None) or (
            self.by_mobile.get(tenant.mobile) if tenant.mobile else None
        )
        if found is not None:
            return found
        person_id = new_id()
        person = {
            "id": person_id,
            "name": tenant.name,
            "email": email,
            "mobile": tenant.mobile,
            "created_at": now,
        }
        self.people.append(person)
        if email:
            self.by_email[email] = person_id
        if tenant.mobile:
            self.by_mobile.setdefault(tenant.mobile, person_id)
        return person_id

    def _read_people(self) -> None:
        """The accounts any tenant of the batch could be (two statements, once)."""
        emails, mobiles = set(), set()
        for tenant in self.tenants:
            if tenant.email:
                emails.add(tenant.email.lower())
            if tenant.mobile:
                mobiles.add(tenant.mobile)
        found = self.conn.execute(_PEOPLE_BY_EMAIL, {"emails": sorted(emails)})
        self.by_email = dict(found.all())  # rows: (email, id)
        for mobile, pid in self.conn.execute(_PEOPLE_BY_MOBILE, {"mobiles": sorted(mobiles)}):
            self.by_mobile.setdefault(mobile, pid)

    def write(self) -> None:
        """Write what the batch changed (people before rentals, units before records)."""
        conn = self.conn
        if self.people:
            conn.execute(insert(_person), self.people)
        new = [asdict(self.rentals[i]) for i in sorted(self.new_rentals)]
        if new:
            conn.execute(insert(_rental), new)
        changed = [
            {"b_id": i, **{c: getattr(self.rentals[i], c) for c in _WRITTEN_RENTAL_COLUMNS}}
            for i in sorted(self.changed_rentals - self.new_rentals)
        ]
        if changed:
            conn.execute(_WRITE_RENTAL, changed)
        self._write_units()
        audit = self.service.audit
        # Heads locked after the units, as `LifecycleService.apply` does; each transition row
        # then gets the seq its entry will have.
        tips = audit.tips(conn, self.entries)
        for row in self.transitions:
            row["audit_seq"] += tips[row["facility_id"]].seq
        transition_ids: list[int] = []
        if self.transitions and self.access_changes:
            inserted = conn.execute(_INSERT_TRANSITIONS, self.transitions)
            transition_ids = list(inserted.scalars())
        elif self.transitions:
            conn.execute(insert(_transition), self.transitions)
        if self.closes:
            conn.execute(CLOSE_OPEN, self.closes)
        if self.conflicts:
            conn.execute(insert(_conflict), self.conflicts)
        for facility_id, tip in tips.items():
            audit.extend(conn, tip, self.entries[facility_id])
        self._tell_tenants(transition_ids)

    def _tell_tenants(self, transition_ids: list[int]) -> None:
        """`apply_pms_event`'s activations and access-change messages, for the batch."""
        now, config = self.service.clock.now(), self.service.activation
        started = [i for i in sorted(self.new_rentals) if self.rentals[i].ended_at is None]
        if started:
            start_activations(self.conn, config, started, now)
        follow_rentals(self.conn, config, sorted(self.changed_rentals - self.new_rentals), now)
        for index, rental_id, state in self.access_changes:
            notify_access_changed(self.conn, rental_id, transition_ids[index], state, now)

    def _write_units(self) -> None:
        moved = [u for u in self.units.values() if u.version != self.read_versions[u.id]]
        if not moved:
            return
        rows = [
            {
                "b_id": u.id,
                "b_read_version": self.read_versions[u.id],
                **{c: getattr(u, c) for c in _WRITTEN_UNIT_COLUMNS},
            }
            for u in moved
        ]
        if self.conn.execute(_WRITE_UNIT, rows).rowcount != len(rows):
            versions = select(_unit.c.id, _unit.c.version).where(
                _unit.c.id.in_([u.id for u in moved])
            )
            current = dict(self.conn.execute(versions).all())
            lost = next(u for u in moved if current.get(u.id) != u.version)
            raise ConcurrentUpdate(lost.id, self.read_versions[lost.id], "pms batch")


_WRITTEN_RENTAL_COLUMNS = (
    "pms_rental_ref",
    "lease_start",
    "pms_status",
    "mobile",
    "phone",
    "email",
    "ended_at",
)


def _expire_touched(session: Session, unit_ids: Iterable[str]) -> None:
    """Objects the caller holds for the batch's units now differ from the database."""
    touched = set(unit_ids)
    for obj in list(session.identity_map.values()):
        if (isinstance(obj, Unit) and obj.id in touched) or (
            isinstance(obj, Rental | KeyShare | AuctionGrant) and obj.unit_id in touched
        ):
            session.expire(obj)
