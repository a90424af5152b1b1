"""The driver's bleak code over a real ATT/GATT exchange (bumble) with simulated locks:
bleak's `BleakClient` with the tests' bumble backend, connected by bleak-retry-connector."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from engine.clock import ManualClock
from hardware.driver import LockRefused, LockTimeout, LockUnreachable
from hardware.protocol import (
    CLOCK_TOLERANCE,
    Action,
    Command,
    ErrorCode,
    EventKind,
    LockState,
    OfflineKeyIssuer,
    RevocationIssuer,
    SecretKey,
    decode_frame,
)
from hardware.sim import FAULTS
from tests.support.ble import BleLock, on_air
from tests.support.locks import Rig

BOUND = 20
"""Seconds any one test may take on the air."""


def _on_air(test: Callable[[Rig, BleLock], Awaitable[None]], **kwargs: object) -> None:
    async def run() -> None:
        rig = Rig(**kwargs)  # type: ignore[arg-type]
        async with asyncio.timeout(BOUND), on_air(rig.firmware()) as [lock]:
            await test(rig, lock)

    asyncio.run(run())


def test_unlock_relock_status_and_offline_log_through_bleak() -> None:
    async def story(rig: Rig, lock: BleLock) -> None:
        source = rig.source()
        opened = await lock.driver.unlock(source, uuid4())
        assert (opened.state, opened.confirmed_by_device) == (LockState.UNLOCKED, True)
        closed = await lock.driver.lock(source, uuid4())
        assert closed.state is LockState.LOCKED
        status = await lock.driver.status()
        assert (status.state, status.battery, status.counter) == (LockState.LOCKED, 100, 2)
        lock.firmware.open_door()
        log = await lock.driver.upload_log(0)
        assert [e.kind for e in log.events] == [
            EventKind.UNLOCKED,
            EventKind.LOCKED,
            EventKind.DOOR_OPENED,
        ]
        assert UUID(bytes=log.events[0].subject) == opened.command_id
        assert (await lock.driver.upload_log(log.last)).events == ()
        assert lock.transport.connects == 1  # one connection served every operation
        assert lock.peripheral.connections == 1

    _on_air(story)


@pytest.mark.parametrize("fault", FAULTS)
def test_each_injected_fault_is_retried_and_never_unlocks_twice(fault: str) -> None:
    async def story(rig: Rig, lock: BleLock) -> None:
        lock.link.faults.arm(fault)  # type: ignore[arg-type]
        outcome = await lock.driver.unlock(rig.source(), uuid4())
        assert outcome.confirmed_by_device
        assert outcome.attempts == 2
        assert lock.firmware.mechanics.unlocks == 1
        assert lock.link.faults.applied[fault] == 1

    _on_air(story)


def test_disconnect_mid_command_reconnects_readvertises_and_reports_the_one_unlock() -> None:
    async def story(rig: Rig, lock: BleLock) -> None:
        lock.link.faults.arm("disconnect_mid_command")
        outcome = await lock.driver.unlock(rig.source(), uuid4())
        assert outcome.repeated
        assert lock.firmware.mechanics.unlocks == 1
        assert lock.firmware.refusals[ErrorCode.REPLAYED] == 1
        assert lock.peripheral.connections == 2
        assert lock.peripheral.advertisements == 2  # at start, and after the drop

    _on_air(story)


def test_delay_past_the_bound_low_battery_jam_and_offline_are_typed() -> None:
    async def story(rig: Rig, lock: BleLock) -> None:
        lock.link.faults.delay = 1.0
        with pytest.raises(LockTimeout):
            await lock.driver.status()
        lock.link.faults.delay = 0
        lock.firmware.set_battery(3)
        with pytest.raises(LockRefused) as low:
            await lock.driver.unlock(rig.source(), uuid4())
        assert low.value.code is ErrorCode.LOW_VOLTAGE
        lock.firmware.set_battery(90)
        lock.firmware.mechanics.jammed = True
        with pytest.raises(LockRefused) as jammed:
            await lock.driver.unlock(rig.source(), uuid4())
        assert jammed.value.code is ErrorCode.MOTOR_BLOCKED
        assert lock.firmware.mechanics.unlocks == 0
        await lock.peripheral.set_online(False)
        with pytest.raises(LockUnreachable):
            await lock.driver.status()
        await lock.peripheral.set_online(True)
        assert (await lock.driver.status()).state is LockState.JAMMED

    _on_air(story)


def _command_id(frame: bytes) -> UUID:
    return Command.unpack(decode_frame(frame).payload).command_id


def test_replayed_stale_expired_and_foreign_commands_are_refused_and_counted() -> None:
    async def story(rig: Rig, lock: BleLock) -> None:
        driver, firmware = lock.driver, lock.firmware

        async def signed(lock_for: UUID, start: int = 0, end: int = 30, wait: int = 0) -> bytes:
            challenge = await driver.challenge()
            now = int(rig.clock.now().timestamp())
            frame = rig.issuer.issue(
                lock_for, Action.UNLOCK, challenge.nonce, now + start, now + end, uuid4()
            )
            rig.clock.advance(timedelta(seconds=wait))
            return frame

        captured = await signed(firmware.spec.lock_id)
        await driver.relay(captured, _command_id(captured), Action.UNLOCK)
        # the captured command relayed again: refused, and the driver learns it was done
        replay = await driver.relay(captured, _command_id(captured), Action.UNLOCK)
        assert replay.repeated
        cases = {
            ErrorCode.STALE_CHALLENGE: {"end": 600, "wait": 31},
            ErrorCode.EXPIRED: {"start": -900, "end": -CLOCK_TOLERANCE - 1},
            ErrorCode.WRONG_LOCK: {"lock_for": UUID(int=999)},
        }
        for code, how in cases.items():
            lock_for = how.pop("lock_for", firmware.spec.lock_id)
            frame = await signed(lock_for, **how)  # type: ignore[arg-type]
            with pytest.raises(LockRefused) as refused:
                await driver.relay(frame, _command_id(frame), Action.UNLOCK)
            assert refused.value.code is code, code
        assert firmware.mechanics.unlocks == 1
        counted = [ErrorCode.REPLAYED, *cases]
        assert {code: firmware.refusals[code] for code in counted} == dict.fromkeys(counted, 1)
        logged = sorted(e.code for e in firmware.events if e.kind is EventKind.REFUSED)
        assert logged == sorted(int(c) for c in counted)

    _on_air(story)


def test_an_offline_key_works_stops_at_end_of_day_and_after_revocation() -> None:
    chicago = ZoneInfo("America/Chicago")

    async def story(rig: Rig, lock: BleLock) -> None:
        phone = SecretKey(b"q" * 32)
        issuer = OfflineKeyIssuer(rig.facility, chicago)
        key = issuer.issue(
            key_id=5,
            person=UUID(int=8),
            phone_key=phone.public,
            locks=(lock.firmware.spec.lock_id,),
            now=rig.clock.now(),
        )
        opened = await lock.driver.open_offline(key, phone)
        assert opened.state is LockState.UNLOCKED
        rig.clock.set(datetime.fromtimestamp(key.not_after + CLOCK_TOLERANCE + 1, UTC))
        with pytest.raises(LockRefused) as expired:
            await lock.driver.open_offline(key, phone)
        assert expired.value.code is ErrorCode.EXPIRED
        tomorrow = issuer.issue(
            key_id=6,
            person=UUID(int=8),
            phone_key=phone.public,
            locks=(lock.firmware.spec.lock_id,),
            now=rig.clock.now(),
        )
        assert (await lock.driver.open_offline(tomorrow, phone)).confirmed_by_device
        revocations = RevocationIssuer(rig.facility).issue(
            1, int(rig.clock.now().timestamp()), (6,)
        )
        assert await lock.driver.push_revocations(revocations) == 1
        with pytest.raises(LockRefused) as revoked:
            await lock.driver.open_offline(tomorrow, phone)
        assert revoked.value.code is ErrorCode.REVOKED
        assert lock.firmware.mechanics.unlocks == 2

    _on_air(story, clock=ManualClock(datetime(2026, 6, 1, 20, 0, tzinfo=UTC)))
