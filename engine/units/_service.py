"""Applying lifecycle events to stored units: decide, compare-and-set, effects, record, audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import Session, col

from engine.audit import AuditLog, EntryRow, PendingEntry, RowBinding
from engine.clock import Clock
from engine.domain import EventSource, LifecycleEvent, Permission, UnitState
from engine.errors import InvalidInputError
from engine.lifecycle import EventRequest, LifecycleMachine, Outcome, event_source
from engine.persistence import table_of
from engine.persistence.tables import Person, SyncConflict, TransitionRecord, Unit
from engine.units._activation import ActivationConfig
from engine.units._conflicts import close_open_conflicts, closes_conflicts
from engine.units._effects import (
    WINDOW_ENDED,
    grant_for,
    lien_fields,
    release_everyone,
    revoke_grants,
)
from engine.units._errors import ConcurrentUpdate, UnitNotFound
from engine.units._offline_keys import ends_offline_keys, revoke_offline_keys
from engine.units._snapshot import snapshot

__all__ = [
    "TRANSITION_BINDING",
    "TRANSITION_KIND",
    "Applied",
    "LifecycleService",
    "UnitFields",
    "conflict_entry",
    "conflict_row",
    "transition_entry",
    "transition_row",
    "unit_values",
]

_LIEN_COLUMNS = ("lien_reason", "emergency_until", "access_until")

TRANSITION_KIND = "transition"
"""The kind of a transition's audit entry."""


@dataclass(frozen=True)
class Applied:
    """An accepted event: the machine's outcome and the unit's new version."""

    outcome: Outcome
    version: int
    effects: dict[str, int] = field(default_factory=dict)
    transition: TransitionRecord | None = None
    """What was recorded; None for a PMS event recorded as a sync conflict instead."""


@dataclass
class LifecycleService:
    """Applies lifecycle events inside the caller's transaction.

    Nothing is written when an event is refused. Two transactions that read the same
    unit version cannot both apply: the second gets `ConcurrentUpdate`.
    """

    machine: LifecycleMachine
    audit: AuditLog
    clock: Clock
    activation: ActivationConfig = field(default_factory=ActivationConfig)
    """How the activations of the rentals PMS events create are sent."""

    def request(
        self,
        event: LifecycleEvent,
        *,
        actor: str,
        source: EventSource | None = None,
        permissions: frozenset[Permission] = frozenset(),
        **details: Any,
    ) -> EventRequest:
        """An `EventRequest` stamped with the clock's now (source defaults to the event's)."""
        return EventRequest(
            event=event,
            source=source or event_source(event),
            actor=actor,
            now=self.clock.now(),
            permissions=permissions,
            **details,
        )

    def load(self, session: Session, unit_id: str) -> Unit:
        """The unit's current row, read fresh from the database."""
        unit = session.get(Unit, unit_id, populate_existing=True)
        if unit is None:
            raise UnitNotFound(unit_id)
        return unit

    def apply(
        self,
        session: Session,
        unit_id: str,
        request: EventRequest,
        *,
        expected_version: int | None = None,
    ) -> Applied:
        """Apply `request` to the unit, or raise and change nothing."""
        unit = self.load(session, unit_id)
        if expected_version is not None and unit.version != expected_version:
            raise ConcurrentUpdate(unit_id, expected_version, request.event)
        outcome = self.machine.decide(snapshot(unit), request)
        if request.grantee is not None and session.get(Person, request.grantee) is None:
            raise InvalidInputError(f"no person `{request.grantee}` to grant access to")
        values = unit_values(unit, outcome, request)
        new_version = unit.version + 1
        self.compare_and_set(session, unit, values, request.event)
        if outcome.conflict is not None:
            self._record_conflict(session, unit, outcome, request)
            return Applied(outcome, new_version)
        effects = self._effects(session, unit, outcome, request)
        ending = ends_offline_keys(outcome)
        if ending is not None:
            session.flush()
            revoked = revoke_offline_keys(session, unit.facility_id, unit.id, request.now, ending)
            if revoked:
                effects["offline_keys_revoked"] = revoked
        if closes_conflicts(outcome, request):
            session.flush()  # conflicts added earlier in this transaction close too
            closed = close_open_conflicts(session, unit.id, outcome, request)
            if closed:
                effects["conflicts_resolved"] = closed
        record = self._record(session, unit, outcome, request, new_version, effects)
        return Applied(outcome, new_version, effects, record)

    @staticmethod
    def compare_and_set(session: Session, unit: Unit, values: dict[str, Any], event: str) -> None:
        """Write `values` and bump the version unless the unit changed since it was read."""
        version = unit.version
        values = {**values, "version": version + 1}
        # No ORM synchronisation: it would bump `unit.version` in memory even when no row matched.
        result = session.execute(
            update(Unit)
            .where(col(Unit.id) == unit.id, col(Unit.version) == version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate(unit.id, version, event)
        # INVARIANT: the identity map now holds what the database holds.
        session.expire(unit)

    @staticmethod
    def _effects(
        session: Session, unit: Unit, outcome: Outcome, request: EventRequest
    ) -> dict[str, int]:
        now = request.now
        if outcome.changed and outcome.to_state is UnitState.AVAILABLE:
            return release_everyone(session, unit.id, now)
        if outcome.event is LifecycleEvent.ACCESS_EXPIRED:
            return {"grants_revoked": revoke_grants(session, unit.id, now, WINDOW_ENDED)}
        grant = grant_for(outcome, request, unit.id)
        if grant is not None:
            revoked = revoke_grants(session, unit.id, now, "replaced by a new grant")
            session.add(grant)
            return {"grants_created": 1, "grants_revoked": revoked}
        return {}

    def _record(
        self,
        session: Session,
        unit: Unit,
        outcome: Outcome,
        request: EventRequest,
        version: int,
        effects: dict[str, int],
    ) -> TransitionRecord:
        row = transition_row(unit.id, unit.facility_id, outcome, request, version)
        tip = self.audit.tip(session, unit.facility_id)
        record = TransitionRecord(**row, audit_seq=tip.seq + 1)
        session.add(record)
        self.audit.extend(session, tip, [transition_entry(row, request, effects)])
        return record

    def _record_conflict(
        self, session: Session, unit: Unit, outcome: Outcome, request: EventRequest
    ) -> None:
        row = conflict_row(unit.id, unit.facility_id, outcome, request)
        session.add(SyncConflict(**row))
        self.audit.append_many(session, unit.facility_id, [conflict_entry(row, outcome, request)])


class UnitFields(Protocol):
    """The stored unit columns a transition's new values depend on."""

    @property
    def last_pms_seq(self) -> int: ...
    @property
    def lien_reason(self) -> str | None: ...
    @property
    def emergency_until(self) -> datetime | None: ...
    @property
    def access_until(self) -> datetime | None: ...


def unit_values(unit: UnitFields, outcome: Outcome, request: EventRequest) -> dict[str, Any]:
    """The unit's columns after `outcome` (its version aside)."""
    values: dict[str, Any] = {"pms_status": outcome.pms_status.value, "updated_at": request.now}
    if request.pms_seq is not None:
        values["last_pms_seq"] = max(unit.last_pms_seq, request.pms_seq)
    if outcome.conflict is None:
        values["state"] = outcome.to_state.value
        current = {c: getattr(unit, c) for c in _LIEN_COLUMNS}
        values.update(lien_fields(outcome, request, current))
    return values


def transition_row(
    unit_id: str, facility_id: str, outcome: Outcome, request: EventRequest, version: int
) -> dict[str, Any]:
    """The `transition_record` columns of an accepted event (the unit's new `version`)."""
    return {
        "unit_id": unit_id,
        "facility_id": facility_id,
        "event": outcome.event.value,
        "source": outcome.source.value,
        "actor": request.actor,
        "reason": request.reason,
        "from_state": outcome.from_state.value,
        "to_state": outcome.to_state.value,
        "pms_status": outcome.pms_status.value,
        "pms_seq": request.pms_seq,
        "unit_version": version,
        "at": request.now,
    }


def transition_entry(
    row: dict[str, Any], request: EventRequest, effects: dict[str, int]
) -> PendingEntry:
    """The audit entry of a transition (`row` from `transition_row`)."""
    payload = {
        "unit_id": row["unit_id"],
        "event": row["event"],
        "source": row["source"],
        "from": row["from_state"],
        "to": row["to_state"],
        "pms_status": row["pms_status"],
        "pms_seq": row["pms_seq"],
        "reason": row["reason"],
        "version": row["unit_version"],
        "effects": effects,
        **_details(request),
    }
    return PendingEntry(request.now, TRANSITION_KIND, request.actor, row["unit_id"], payload)


def _expected_row(entry: EntryRow, payload: dict[str, Any]) -> dict[str, Any]:
    """The `transition_record` columns `entry` says its row has (all but its id)."""
    return {
        "unit_id": payload.get("unit_id"),
        "facility_id": entry.facility_id,
        "event": payload.get("event"),
        "source": payload.get("source"),
        "actor": entry.actor,
        "reason": payload.get("reason"),
        "from_state": payload.get("from"),
        "to_state": payload.get("to"),
        "pms_status": payload.get("pms_status"),
        "pms_seq": payload.get("pms_seq"),
        "unit_version": payload.get("version"),
        "at": entry.at,
    }


TRANSITION_BINDING = RowBinding(TRANSITION_KIND, table_of(TransitionRecord), _expected_row)
"""Each `transition_record` row is bound to its `transition` entry."""


def conflict_row(
    unit_id: str, facility_id: str, outcome: Outcome, request: EventRequest
) -> dict[str, Any]:
    """The `sync_conflict` columns of a PMS event the unit's lien state refused."""
    # INVARIANT: only called for an outcome the machine marked as a conflict.
    assert outcome.conflict is not None
    return {
        "unit_id": unit_id,
        "facility_id": facility_id,
        "event": outcome.event.value,
        "pms_seq": request.pms_seq,
        "detail": outcome.conflict,
        "at": request.now,
        "resolved_at": None,
        "resolved_by": None,
        "resolution": None,
        "resolved_pms_seq": None,
    }


def conflict_entry(row: dict[str, Any], outcome: Outcome, request: EventRequest) -> PendingEntry:
    """The audit entry of a sync conflict (`row` from `conflict_row`)."""
    payload = {
        "unit_id": row["unit_id"],
        "event": row["event"],
        "state": outcome.from_state.value,
        "pms_status": outcome.pms_status.value,
        "pms_seq": row["pms_seq"],
        "detail": row["detail"],
    }
    return PendingEntry(request.now, "sync_conflict", request.actor, row["unit_id"], payload)


def _details(request: EventRequest) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if request.expires_at is not None:
        details["expires_at"] = request.expires_at
    if request.grantee is not None:
        details["grantee"] = request.grantee
        details["window"] = [request.window_start, request.window_end]
    return details
