"""One simulated lock on a bumble radio, driven through bleak's API (the benches' link)."""

from __future__ import annotations

from hardware.clock import Clock
from hardware.driver import DriverPolicy, LockDriver
from hardware.protocol import LockIdentity
from hardware.sim import LockFirmware, LockSpec, SimulatedLink

__all__ = ["BumbleLink"]


class BumbleLink:
    """A phone's central and the lock's GATT peripheral on one bumble radio."""

    def __init__(self, spec: LockSpec, clock: Clock, policy: DriverPolicy) -> None:
        self._spec, self._clock, self._policy = spec, clock, policy

    async def __aenter__(self) -> LockDriver:
        """The driver over bleak, the radio up and the lock advertising."""
        from hardware.sim.bleak_backend import BumbleBleakClient, bumble_device
        from hardware.sim.peripheral import LockPeripheral, Radio
        from hardware.transport import BleakTransport

        self._radio = Radio()
        central = self._radio.device("phone", "F0:00:00:00:00:01")
        await central.power_on()
        firmware = LockFirmware(self._spec, self._clock)
        peripheral = LockPeripheral(
            self._radio.device("lock", "C0:00:00:00:00:01"), SimulatedLink(firmware)
        )
        await peripheral.start()
        transport = BleakTransport(
            bumble_device(central, "C0:00:00:00:00:01"), backend=BumbleBleakClient
        )
        identity = LockIdentity(self._spec.lock_id, self._spec.device_key.public)
        self._driver = LockDriver(transport, identity, self._policy)
        return self._driver

    async def __aexit__(self, *exc: object) -> None:
        await self._driver.close()
        await self._radio.close()
