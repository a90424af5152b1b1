"""The lock duty's rounds on a real database, through a scripted gateway (the port's far
side): health events on changes only, each log event landed once in the audit chain even
when uploads overlap, leases between pollers, and remote actions lost with their process."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import select

from engine.audit import verify_chain
from engine.locks import (
    GatewayUnavailable,
    HealthView,
    LockEvent,
    LockObservation,
    LockPollConfig,
    LockPoller,
    LockStatusReading,
    RemoteOutcome,
    land_events,
    register_gateway,
    register_lock,
)
from engine.persistence.tables import (
    AuditEntry,
    Door,
    LockAction,
    LockDevice,
    LockEventRecord,
    LockHealthEvent,
)
from engine.runtime import Runtime
from tests.support.world import World, build_world


@dataclass
class ScriptedGateway:
    """Answers as a gateway would: a battery level per poll, a log, or being down."""

    battery: int = 80
    down: bool = False
    log: list[LockEvent] = field(default_factory=list)
    overlap: int = 0
    """Events before `after` the upload repeats (a relay that sends too much)."""
    uploads: list[int] = field(default_factory=list)

    async def remote_unlock(self, *args: Any) -> RemoteOutcome:
        raise AssertionError("not used")

    async def status(self, url: str, lock_id: str, public_key: str) -> LockStatusReading:
        if self.down:
            raise GatewayUnavailable("gateway_down", "the gateway is unreachable")
        counter = self.log[-1].counter if self.log else 0
        return LockStatusReading({"battery": self.battery, "counter": counter}, counter, 0)

    async def push_revocations(self, url: str, lock_id: str, frame: bytes) -> int:
        return 0

    async def upload_log(
        self, url: str, lock_id: str, public_key: str, after: int
    ) -> tuple[list[LockEvent], int]:
        self.uploads.append(after)
        events = [e for e in self.log if e.counter > after - self.overlap]
        return events, self.log[-1].counter

    def assess(self, lock: LockObservation, peers: list[LockObservation]) -> HealthView:
        battery = int(lock.status["battery"]) if lock.status else None  # type: ignore[call-overload]
        level = None if battery is None else "low" if battery < 20 else "good"
        link = "disconnected" if lock.tries[-3:] == [False] * 3 else "connected"
        topics = {"battery": "replace the battery"} if level == "low" else {}
        if link == "disconnected":
            topics["connection"] = "move the hub closer to the lock"
        return HealthView(battery, level, link, False, False, 0, False, (), topics)


def _setup(rt: Runtime) -> tuple[World, LockDevice, Door]:
    world = build_world(rt)
    now = rt.clock.now()
    with rt.db.transaction() as s:
        gateway = register_gateway(s, world.facility_id, "hub", "http://hub.invalid", now)
        lock = register_lock(
            s,
            world.facility_id,
            lock_id=str(uuid.uuid4()),
            name="U001",
            public_key=secrets.token_hex(32),
            address=None,
            gateway_id=gateway.id,
            now=now,
        )
        door = s.exec(select(Door).where(Door.unit_id == world.units[0])).one()
        door.lock_ref = lock.id
        s.add(door)
    return world, lock, door


def _event(counter: int, rt: Runtime, subject: uuid.UUID | None = None) -> LockEvent:
    at = rt.clock.now().replace(microsecond=0)
    return LockEvent(counter, "unlocked", at, None, 0, subject or uuid.uuid4())


def _poller(rt: Runtime, port: ScriptedGateway) -> LockPoller:
    return LockPoller(rt.db, port, rt.audit, rt.clock, LockPollConfig(poll_seconds=1.0))


def test_each_log_event_lands_once_with_whose_command_it_was(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    world, lock, door = _setup(rt)
    command = uuid.uuid4()
    with rt.db.transaction() as s:
        s.add(
            LockAction(
                facility_id=world.facility_id,
                door_id=door.id,
                lock_id=lock.id,
                command_id=str(command),
                requested_by=world.manager,
                created_at=rt.clock.now(),
            )
        )
    port = ScriptedGateway(log=[_event(1, rt, command), _event(2, rt)], overlap=5)
    poller = _poller(rt, port)
    asyncio.run(poller.round())
    port.log.append(_event(3, rt))
    rt.clock.advance(timedelta(seconds=2))
    asyncio.run(poller.round())  # the upload repeats 1 and 2: they are not landed again
    with rt.db.transaction() as s:  # and landing the same events by hand changes nothing
        row = s.get(LockDevice, lock.id)
        assert row is not None
        assert land_events(s, rt.audit, row, port.log, via="phone", now=rt.clock.now()) == []
    assert port.uploads == [0, 2]
    with rt.db.read() as s:
        rows = s.exec(select(LockEventRecord).order_by(LockEventRecord.counter)).all()
        entries = s.exec(select(AuditEntry).where(AuditEntry.kind == "lock_event")).all()
        assert [r.counter for r in rows] == [1, 2, 3]
        assert rows[0].person_id == world.manager_id
        assert rows[1].person_id is None
        assert rows[0].detail["unit_id"] == world.units[0]
        assert sorted(r.audit_seq or 0 for r in rows) == sorted(e.seq for e in entries)
    with rt.db.transaction() as s:
        assert verify_chain(s, rt.audit, world.facility_id).ok


def test_health_events_on_changes_only_with_advice(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    _, lock, _ = _setup(rt)
    port = ScriptedGateway(battery=15)
    poller = _poller(rt, port)

    def rounds(n: int) -> None:
        for _ in range(n):
            asyncio.run(poller.round())
            rt.clock.advance(timedelta(seconds=2))

    rounds(3)  # low battery, three polls: one event
    port.down = True
    rounds(3)  # three failed polls: disconnected, once
    port.down, port.battery = False, 90
    rounds(1)  # back, with a new battery
    with rt.db.read() as s:
        events = s.exec(select(LockHealthEvent).order_by(LockHealthEvent.id)).all()
        polled = s.get(LockDevice, lock.id)
    assert [(e.kind, e.advice) for e in events] == [
        ("battery_low", "replace the battery"),
        ("disconnected", "move the hub closer to the lock"),
        ("recovered", None),
        ("reconnected", None),
    ]
    assert polled is not None and polled.tries[-4:] == [False, False, False, True]


def test_a_lock_polled_by_one_poller_is_not_polled_by_another_until_due(
    sqlite_runtime: Runtime,
) -> None:
    rt = sqlite_runtime
    _setup(rt)
    first, second = _poller(rt, ScriptedGateway()), _poller(rt, ScriptedGateway())
    assert len(asyncio.run(first.round())) == 1
    assert asyncio.run(second.round()) == []  # polled a moment ago: not due yet
    rt.clock.advance(timedelta(seconds=2))
    assert len(asyncio.run(second.round())) == 1


def test_a_pending_action_whose_process_died_ends_interrupted(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    world, lock, door = _setup(rt)
    with rt.db.transaction() as s:
        action = LockAction(
            facility_id=world.facility_id,
            door_id=door.id,
            lock_id=lock.id,
            command_id=str(uuid.uuid4()),
            requested_by=world.manager,
            created_at=rt.clock.now(),
        )
        s.add(action)
        s.flush()
        action_id = action.id
    poller = _poller(rt, ScriptedGateway())
    asyncio.run(poller.round())
    with rt.db.read() as s:
        assert (s.get(LockAction, action_id) or action).status == "pending"  # still in time
    rt.clock.advance(timedelta(minutes=2))
    asyncio.run(poller.round())
    with rt.db.read() as s:
        found = s.get(LockAction, action_id)
    assert found is not None
    assert (found.status, found.error) == ("error", "interrupted")
