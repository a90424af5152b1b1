"""Scripted decisions and lock events for alert tests, written as the service writes them
(the decision recorder, `land_events`), so each has its place in the audit chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import update
from sqlmodel import select

from engine.access import DecisionRow
from engine.locks import LockEvent, land_events
from engine.persistence import table_of
from engine.persistence.tables import AccessDecisionRecord, LockDevice
from engine.runtime import Runtime
from tests.support.locks import install_lock

__all__ = ["Script"]

_decisions = table_of(AccessDecisionRecord)


@dataclass
class Script:
    """Writes one facility's decisions and one lock's events."""

    rt: Runtime
    facility_id: str
    door_id: str
    lock_id: str = ""
    counter: int = 0
    ids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.lock_id:
            self.lock_id = str(install_lock(self.rt, self.facility_id, self.door_id).spec.lock_id)

    def decision(
        self,
        person_id: str | None,
        *,
        allowed: bool = False,
        reason_code: str | None = None,
        door_id: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Record a decision at the door now (the reason code set as the `reasons` work sets
        it; this branch's decisions carry none)."""
        row = DecisionRow(
            facility_id=self.facility_id,
            door_id=door_id or self.door_id,
            unit_id=None,
            person_id=person_id,
            principal_kind="tenant",
            channel="phone_relay",
            allowed=allowed,
            deciding_rule="test",
            reason="allowed" if allowed else "denied",
            policy_version="test",
            note=None,
            at=at or self.rt.clock.now(),
            actor=f"person:{person_id}" if person_id else "anonymous",
            audit={},
        )
        record_id = self.rt.access.recorder.record(row)
        if reason_code is not None:
            with self.rt.db.transaction() as s:
                s.execute(
                    update(_decisions)
                    .where(_decisions.c.id == record_id)
                    .values(reason_code=reason_code)
                )
        self.ids.append(record_id)
        return record_id

    def event(self, kind: str, at: datetime | None = None) -> None:
        """Land one event of the lock's log, uploaded now."""
        self.counter += 1
        now = self.rt.clock.now()
        event = LockEvent(self.counter, kind, at or now, None, 0, UUID(int=0))
        with self.rt.db.transaction() as s:
            lock = s.exec(
                select(LockDevice).where(LockDevice.id == self.lock_id).with_for_update()
            ).one()
            land_events(s, self.rt.audit, lock, [event], via="gateway", now=now)
