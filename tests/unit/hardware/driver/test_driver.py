"""The driver over an in-memory link: typed errors, idempotent retries, one op at a time."""

from __future__ import annotations

import asyncio
from collections import Counter
from uuid import UUID, uuid4

import pytest

from hardware.driver import (
    DriverPolicy,
    LockRefused,
    LockReplyInvalid,
    LockTimeout,
    LockUnreachable,
)
from hardware.protocol import ErrorCode, EventKind, LockIdentity, SecretKey
from hardware.sim import FAULTS, FaultRates
from hardware.transport import MemoryTransport
from tests.support.locks import Rig


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_once_is_retried_to_exactly_one_unlock(fault: str) -> None:
    async def run() -> None:
        rig = Rig()
        firmware = rig.firmware()
        driver, link = rig.driver(firmware)
        source = rig.source()
        link.faults.arm(fault)  # type: ignore[arg-type]
        outcome = await driver.unlock(source, uuid4())
        assert outcome.confirmed_by_device
        assert outcome.attempts == 2
        assert firmware.mechanics.unlocks == 1
        assert link.faults.applied[fault] == 1

    asyncio.run(run())


def test_a_lost_confirmation_after_the_motor_moved_is_reported_once_not_repeated() -> None:
    async def run() -> None:
        rig = Rig()
        firmware = rig.firmware()
        driver, link = rig.driver(firmware)
        link.faults.arm("disconnect_mid_command")
        outcome = await driver.unlock(rig.source(), uuid4())
        assert outcome.repeated
        assert firmware.mechanics.unlocks == 1
        assert firmware.refusals[ErrorCode.REPLAYED] == 1

    asyncio.run(run())


def test_random_faults_never_move_the_motor_twice_for_one_command() -> None:
    async def run() -> None:
        rig = Rig()
        firmware = rig.firmware()
        driver, link = rig.driver(
            firmware, DriverPolicy(attempts=4, reply_timeout=0.05, motor_timeout=0.05, backoff=0)
        )
        link.faults.configure(
            FaultRates(
                drop_request=0.1,
                drop_reply=0.1,
                corrupt_reply=0.1,
                truncate_reply=0.1,
                disconnect_mid_command=0.2,
                seed=4,
            )
        )
        source = rig.source()
        succeeded: list[UUID] = []
        failed = 0
        for _ in range(40):
            command_id = uuid4()
            try:
                await driver.unlock(source, command_id)
                succeeded.append(command_id)
            except (LockTimeout, LockRefused):
                failed += 1
        moved = Counter(
            UUID(bytes=e.subject) for e in firmware.events if e.kind is EventKind.UNLOCKED
        )
        assert all(n == 1 for n in moved.values())
        assert set(succeeded) <= set(moved)
        assert len(succeeded) >= 30, (len(succeeded), failed)
        assert sum(link.faults.applied.values()) > 20

    asyncio.run(run())


def test_delayed_replies_beyond_the_bound_time_out() -> None:
    async def run() -> None:
        rig = Rig()
        driver, link = rig.driver(
            rig.firmware(), DriverPolicy(attempts=2, reply_timeout=0.05, backoff=0)
        )
        link.faults.delay = 0.2
        with pytest.raises(LockTimeout):
            await driver.status()

    asyncio.run(run())


def test_an_unreachable_lock_is_typed() -> None:
    async def run() -> None:
        rig = Rig()
        driver, link = rig.driver(rig.firmware())
        link.faults.offline = True
        with pytest.raises(LockUnreachable):
            await driver.status()
        assert driver.contacts == [False, False, False]

    asyncio.run(run())


def test_a_refusal_carries_the_locks_code_and_is_not_retried() -> None:
    async def run() -> None:
        rig = Rig()
        firmware = rig.firmware()
        driver, _ = rig.driver(firmware)
        firmware.set_battery(2)
        source = rig.source()
        with pytest.raises(LockRefused) as refused:
            await driver.unlock(source, uuid4())
        assert refused.value.code is ErrorCode.LOW_VOLTAGE
        assert source.issued == 1

    asyncio.run(run())


def test_replies_signed_by_another_key_are_never_trusted() -> None:
    async def run() -> None:
        rig = Rig()
        firmware = rig.firmware()
        _, link = rig.driver(firmware)
        from hardware.driver import LockDriver

        impostor = LockIdentity(firmware.spec.lock_id, SecretKey(b"x" * 32).public)
        driver = LockDriver(MemoryTransport(link), impostor)
        with pytest.raises(LockReplyInvalid):
            await driver.status()

    asyncio.run(run())


def test_operations_on_one_lock_run_one_at_a_time() -> None:
    async def run() -> None:
        rig = Rig()
        firmware = rig.firmware()
        driver, link = rig.driver(firmware)
        link.faults.delay = 0.01
        source = rig.source()
        outcomes = await asyncio.gather(*(driver.unlock(source, uuid4()) for _ in range(5)))
        assert all(o.attempts == 1 for o in outcomes)  # no challenge was overtaken
        assert firmware.mechanics.unlocks == 5

    asyncio.run(run())


def test_log_upload_is_verified_and_incremental() -> None:
    async def run() -> None:
        rig = Rig()
        firmware = rig.firmware()
        driver, _ = rig.driver(firmware)
        source = rig.source()
        await driver.unlock(source, uuid4())
        await driver.lock(source, uuid4())
        first = await driver.upload_log(0)
        assert [e.counter for e in first.events] == [1, 2]
        firmware.open_door()
        second = await driver.upload_log(first.last)
        assert [e.counter for e in second.events] == [3]
        assert second.lost == 0

    asyncio.run(run())
