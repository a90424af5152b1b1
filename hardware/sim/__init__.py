"""The lock firmware simulator, its link faults, and its bumble GATT peripheral.

`LockFirmware` follows `specs/lock-protocol.md`: a challenge per command, replay and
counter protection, its own drifting clock, battery drain, jam, door sensor, tamper, a
signed event log, offline keys and the revocation list. `SimulatedLink` puts `LinkFaults`
(dropped, delayed, corrupted, truncated frames, disconnect mid-command, offline) between
it and any radio: the in-memory transport, or `LockPeripheral` (bumble, a dev
dependency, imported only from `hardware.sim.peripheral`).
"""

from hardware.sim._faults import FAULTS, FaultName, FaultRates, LinkFaults
from hardware.sim._firmware import EVENT_CAPACITY, LockFirmware, LockSpec, Outgoing
from hardware.sim._link import SimulatedLink
from hardware.sim._mechanics import BATTERY_CRITICAL, BATTERY_LOW, BATTERY_MIN_MOTOR, Mechanics

__all__ = [
    "BATTERY_CRITICAL",
    "BATTERY_LOW",
    "BATTERY_MIN_MOTOR",
    "EVENT_CAPACITY",
    "FAULTS",
    "FaultName",
    "FaultRates",
    "LinkFaults",
    "LockFirmware",
    "LockSpec",
    "Mechanics",
    "Outgoing",
    "SimulatedLink",
]
