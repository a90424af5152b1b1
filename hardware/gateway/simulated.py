"""A gateway whose locks are simulated on a bumble radio (needs bumble, a dev dependency).

In one process the locks and the gateway's central share a `LocalLink`; with `hci` the
central opens a bumble controller over an HCI transport (`tcp-client:127.0.0.1:19001`),
and locks run elsewhere (`unitgate locks sim --hci ...`) on controllers linked to it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from litestar import post
from litestar.datastructures import State
from pydantic import BaseModel, Field

from hardware.clock import Clock
from hardware.driver import DriverPolicy, LockDriver
from hardware.fleet import Fleet, LockRecord
from hardware.gateway._gateway import Gateway
from hardware.protocol import SecretKey, TrustedKey
from hardware.sim import FaultName, LockFirmware, LockSpec, SimulatedLink
from hardware.sim.bleak_backend import BumbleBleakClient, bumble_device
from hardware.sim.peripheral import LockPeripheral, Radio, lock_address
from hardware.transport import BleakTransport

__all__ = [
    "GATEWAY_ADDRESS",
    "GATEWAY_POLICY",
    "SimControl",
    "SimulatedLocks",
    "apply_control",
    "lock_address",
    "sim_control",
    "sim_lock_specs",
    "simulated_gateway",
]

GATEWAY_ADDRESS = "F0:00:00:00:0A:01"
"""The gateway central's bumble address."""
GATEWAY_POLICY = DriverPolicy(attempts=3, reply_timeout=1.0, motor_timeout=3.0, backoff=0.05)
"""Bounds of the gateway's drivers: an operation settles within ~5 s at worst."""


def sim_lock_specs(count: int, seed: int, trusted: tuple[TrustedKey, ...]) -> list[LockSpec]:
    """`count` locks derived from `seed`: the same seed gives the same ids and keys."""
    specs = []
    for n in range(1, count + 1):
        digest = hashlib.sha256(f"unitgate-sim-lock/{seed}/{n}".encode()).digest()
        lock_id = UUID(bytes=digest[:16], version=4)
        specs.append(LockSpec(lock_id, SecretKey(hashlib.sha256(digest).digest()), trusted))
    return specs


@dataclass
class SimulatedLocks:
    """The simulated side: each lock's firmware, link (faults) and peripheral by id."""

    peripherals: dict[UUID, LockPeripheral]
    """By lock id."""

    def firmware(self, lock_id: UUID) -> LockFirmware:
        """The firmware of `lock_id`."""
        return self.peripherals[lock_id].link.firmware


async def simulated_gateway(
    specs: list[LockSpec], clock: Clock, *, gateway_id: str = "sim-gateway", hci: str | None = None
) -> tuple[Gateway, SimulatedLocks]:
    """A gateway with `specs` as simulated locks in range (on this process's radio, or the
    central on HCI transport `hci` with the locks in other processes)."""
    radio = Radio()
    if hci is None:
        central = radio.device("gateway", GATEWAY_ADDRESS)
    else:
        central = await radio.hci_device("gateway", GATEWAY_ADDRESS, hci)
    await central.power_on()
    peripherals: dict[UUID, LockPeripheral] = {}
    drivers: dict[UUID, LockDriver] = {}
    records: list[LockRecord] = []
    for n, spec in enumerate(specs, start=1):
        address = lock_address(n)
        if hci is None:
            peripheral = LockPeripheral(
                radio.device(f"lock-{n}", address), SimulatedLink(LockFirmware(spec, clock))
            )
            await peripheral.start()
            peripherals[spec.lock_id] = peripheral
        record = LockRecord(spec.lock_id, f"lock-{n}", address, spec.device_key.public, gateway_id)
        records.append(record)
        transport = BleakTransport(
            bumble_device(central, address, record.name),
            backend=BumbleBleakClient,
            connect_attempts=1,
            connect_timeout=0.5,
        )
        drivers[spec.lock_id] = LockDriver(transport, record.identity, GATEWAY_POLICY)
    gateway = Gateway(gateway_id, drivers, Fleet(records), clock, on_close=radio.close)
    return gateway, SimulatedLocks(peripherals)


class SimControl(BaseModel):
    """The simulation's hand on one lock (tests, demos)."""

    offline: bool | None = None
    """Out of range (True) or back (False)."""
    arm: dict[FaultName, int] = Field(default_factory=dict)
    """Faults to inject on the next frames, with how many times."""
    delay_seconds: float | None = Field(default=None, ge=0, le=30)
    """Every reply waits this long."""
    motor_seconds: float | None = Field(default=None, ge=0, le=30)
    """How long the motor takes before the lock confirms."""
    battery: float | None = Field(default=None, ge=0, le=100)
    """Put in a battery at this charge."""
    jammed: bool | None = None
    """Block (True) or free (False) the motor."""
    door: Literal["open", "closed"] | None = None
    """Open or close the door."""
    tamper: bool = False
    """Trip the tamper switch."""


async def apply_control(locks: SimulatedLocks, lock_id: UUID, control: SimControl) -> None:
    """Apply `control` to simulated lock `lock_id` (`KeyError` when unknown)."""
    peripheral = locks.peripherals[lock_id]
    firmware, faults = peripheral.link.firmware, peripheral.link.faults
    if control.offline is not None:
        await peripheral.set_online(not control.offline)
    for fault, times in control.arm.items():
        faults.arm(fault, times)
    if control.delay_seconds is not None:
        faults.delay = control.delay_seconds
    if control.motor_seconds is not None:
        firmware.mechanics.motor_seconds = control.motor_seconds
    if control.battery is not None:
        firmware.set_battery(control.battery)
    if control.jammed is not None:
        firmware.mechanics.jammed = control.jammed
    if control.door == "open":
        firmware.open_door()
    elif control.door == "closed":
        firmware.close_door()
    if control.tamper:
        firmware.trip_tamper()


@post("/v1/sim/locks/{lock_id:uuid}", status_code=200)
async def sim_control(state: State, lock_id: UUID, data: SimControl) -> dict[str, Any]:
    """Apply a `SimControl` to a simulated lock (the builder keeps them at `state.sim_locks`)."""
    locks: SimulatedLocks = state.sim_locks
    if lock_id not in locks.peripherals:
        raise ValueError(f"no simulated lock `{lock_id}`")
    await apply_control(locks, lock_id, data)
    firmware = locks.firmware(lock_id)
    return {
        "lock_id": str(lock_id),
        "unlocks": firmware.mechanics.unlocks,
        "refusals": {code.name.lower(): n for code, n in firmware.refusals.items()},
        "counter": firmware.counter.value,
    }
