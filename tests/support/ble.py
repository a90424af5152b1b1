"""Simulated locks as bumble GATT peripherals and a bleak driver to them (one process)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from hardware.driver import DriverPolicy, LockDriver
from hardware.protocol import LockIdentity
from hardware.sim import LockFirmware, SimulatedLink
from hardware.sim.peripheral import LockPeripheral, Radio, lock_address
from hardware.transport import BleakTransport
from tests.support.bumble_bleak import BumbleBleakClient, bumble_device
from tests.support.locks import FAST

CENTRAL_ADDRESS = "F0:00:00:00:00:01"
"""The phone's (or gateway's) bumble address."""


@dataclass
class BleLock:
    """A simulated lock on the air, and a bleak driver to it."""

    firmware: LockFirmware
    link: SimulatedLink
    peripheral: LockPeripheral
    driver: LockDriver
    transport: BleakTransport


@asynccontextmanager
async def on_air(
    *firmwares: LockFirmware, policy: DriverPolicy = FAST
) -> AsyncIterator[list[BleLock]]:
    """Each firmware as a bumble peripheral, each with a bleak driver from one central."""
    radio = Radio()
    central = radio.device("phone", CENTRAL_ADDRESS)
    await central.power_on()
    locks: list[BleLock] = []
    for n, firmware in enumerate(firmwares, start=1):
        link = SimulatedLink(firmware)
        address = lock_address(n)
        peripheral = LockPeripheral(radio.device(f"lock-{n}", address), link)
        await peripheral.start()
        transport = BleakTransport(
            bumble_device(central, address, f"lock-{n}"),
            backend=BumbleBleakClient,
            connect_attempts=2,
            connect_timeout=0.3,
        )
        identity = LockIdentity(firmware.spec.lock_id, firmware.spec.device_key.public)
        locks.append(
            BleLock(firmware, link, peripheral, LockDriver(transport, identity, policy), transport)
        )
    try:
        yield locks
    finally:
        for lock in locks:
            await lock.driver.close()
        await radio.close()
