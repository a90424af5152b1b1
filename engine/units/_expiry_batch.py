"""Expiries recorded as a set: what `LifecycleService.apply` writes for each, in a few
statements however many units (1,000 ending at one instant was ~9 ms each one by one).

Each unit is decided by the lifecycle machine and its rows are built by the service's own
helpers (`unit_values`, `transition_row`, `transition_entry`); then the units are written
with one executemany that checks each version, the transitions with one insert, the ended
windows' grants revoked with one update (counted first: the count is in the audit entry),
and each facility's audit entries after its chain's tip, heads locked in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlmodel import Session

from engine.audit import PendingEntry
from engine.domain import EventSource, LifecycleEvent, UnitState
from engine.lifecycle import EventRequest, Outcome, TransitionRefused
from engine.persistence import connection_of, table_of
from engine.persistence.tables import AuctionGrant, TransitionRecord, Unit
from engine.units._effects import WINDOW_ENDED
from engine.units._errors import ConcurrentUpdate
from engine.units._offline_keys import ends_offline_keys, revoke_offline_keys
from engine.units._service import LifecycleService, transition_entry, transition_row, unit_values
from engine.units._snapshot import expiry_due, snapshot

__all__ = ["EXPIRY_ACTOR", "Expired", "record_expiries"]

EXPIRY_ACTOR = "system:clock"
"""The actor of every expiry in transitions and the audit log."""

_unit, _grant = table_of(Unit), table_of(AuctionGrant)
_WRITE_UNIT = update(_unit).where(
    _unit.c.id == bindparam("b_id"), _unit.c.version == bindparam("b_read_version")
)
_LIVE_GRANTS = (
    select(_grant.c.unit_id, func.count())
    .where(_grant.c.unit_id.in_(bindparam("ids", expanding=True)), _grant.c.revoked_at.is_(None))
    .group_by(_grant.c.unit_id)
)
_END_GRANTS = (
    update(_grant)
    .where(_grant.c.unit_id.in_(bindparam("ids", expanding=True)), _grant.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("b_now"), revoked_reason=WINDOW_ENDED)
)


@dataclass(frozen=True)
class Expired:
    """One expiry recorded."""

    unit_id: str
    facility_id: str
    outcome: Outcome
    version: int
    """The unit's version after it."""
    bound: datetime
    """The stated end of the emergency or access window."""
    at: datetime
    """When the transition was recorded."""

    @property
    def event(self) -> LifecycleEvent:
        """`access_expired` or `emergency_expired`."""
        return self.outcome.event

    @property
    def lag_seconds(self) -> float:
        """From the stated end to the recorded transition."""
        return (self.at - self.bound).total_seconds()


def record_expiries(
    session: Session, service: LifecycleService, units: Iterable[Unit]
) -> tuple[list[Expired], list[tuple[str, TransitionRefused]]]:
    """Record the expiry of each of `units` that is due now, in `session`'s transaction;
    what was recorded, and the units whose expiry the machine refused (unchanged, with why).

    `units` must be read under their row locks (`claim_due`, `expire_if_due`).
    """
    now = service.clock.now()
    planned: list[tuple[Unit, Outcome, EventRequest, datetime]] = []
    refused: list[tuple[str, TransitionRefused]] = []
    # Facility by facility: every writer locks chain heads in one order, so a transaction
    # touching several facilities never waits on another in a cycle.
    for unit in sorted(units, key=lambda u: (u.facility_id, u.id)):
        event = expiry_due(unit, now)
        if event is None:
            continue
        request = EventRequest(event, EventSource.SYSTEM, EXPIRY_ACTOR, now)
        try:
            outcome = service.machine.decide(snapshot(unit), request)
        except TransitionRefused as exc:
            refused.append((unit.id, exc))
            continue
        planned.append((unit, outcome, request, _bound(unit)))
    if not planned:
        return [], refused
    session.flush()  # the statements below must see what the caller added through the ORM
    conn = connection_of(session)
    ended = [u.id for u, o, _, _ in planned if o.event is LifecycleEvent.ACCESS_EXPIRED]
    granted: dict[str, int] = {}
    if ended:
        granted = {uid: int(n) for uid, n in conn.execute(_LIVE_GRANTS, {"ids": ended})}
    if granted:
        conn.execute(_END_GRANTS, {"ids": sorted(granted), "b_now": now})
    units_written: list[dict[str, Any]] = []
    transitions: list[dict[str, Any]] = []
    entries: dict[str, list[PendingEntry]] = defaultdict(list)
    expired = []
    for unit, outcome, request, bound in planned:
        version = unit.version + 1
        values = unit_values(unit, outcome, request)
        units_written.append(
            {"b_id": unit.id, "b_read_version": unit.version, **values, "version": version}
        )
        row = transition_row(unit.id, unit.facility_id, outcome, request, version)
        transitions.append(row)
        effects = (
            {"grants_revoked": granted.get(unit.id, 0)}
            if outcome.event is LifecycleEvent.ACCESS_EXPIRED
            else {}
        )
        ending = ends_offline_keys(outcome)
        if ending is not None:
            revoked = revoke_offline_keys(conn, unit.facility_id, unit.id, now, ending)
            if revoked:
                effects["offline_keys_revoked"] = revoked
        entries[unit.facility_id].append(transition_entry(row, request, effects))
        # Its entry's place in the facility's batch; the chain's end is added below.
        row["audit_seq"] = len(entries[unit.facility_id])
        expired.append(Expired(unit.id, unit.facility_id, outcome, version, bound, now))
    if conn.execute(_WRITE_UNIT, units_written).rowcount != len(units_written):
        # INVARIANT: the caller holds the units' row locks, so no version moved.
        first = planned[0][0]
        raise ConcurrentUpdate(first.id, first.version, "expiry")
    # Heads locked after the units, as `LifecycleService.apply` does; each transition row
    # then holds the seq of the entry that records it.
    tips = service.audit.tips(conn, entries)
    for row in transitions:
        row["audit_seq"] += tips[row["facility_id"]].seq
    conn.execute(insert(table_of(TransitionRecord)), transitions)
    for facility_id, tip in tips.items():
        service.audit.extend(conn, tip, entries[facility_id])
    _expire_touched(session, {u.id for u, _, _, _ in planned})
    return expired, refused


def _bound(unit: Unit) -> datetime:
    pending = unit.state == UnitState.PENDING_AUCTION.value
    bound = unit.emergency_until if pending else unit.access_until
    # INVARIANT: only a unit with a stated end is due.
    assert bound is not None
    return bound


def _expire_touched(session: Session, unit_ids: set[str]) -> None:
    """Objects the session holds for these units now differ from the database."""
    for obj in list(session.identity_map.values()):
        if (isinstance(obj, Unit) and obj.id in unit_ids) or (
            isinstance(obj, AuctionGrant) and obj.unit_id in unit_ids
        ):
            session.expire(obj)
