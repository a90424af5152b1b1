"""The simulated lock as a real GATT peripheral on a bumble Bluetooth stack.

bumble is a dev dependency: import this module only where it is installed (tests, the
simulator and gateway commands). A `Radio` is where devices attach: one in-process
`LocalLink`, or, across processes, an HCI transport such as `tcp-client:127.0.0.1:19001`
to `python -m bumble.apps.controllers`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bumble.controller import Controller
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport import open_transport

from hardware.protocol import COMMAND_CHAR_UUID, LOCK_SERVICE_UUID, REPLY_CHAR_UUID
from hardware.sim._link import SimulatedLink

__all__ = ["ADVERTISING_INTERVAL_MS", "LockPeripheral", "Radio", "lock_address"]

ADVERTISING_INTERVAL_MS = 20
"""The shortest BLE advertising interval: a central finds the lock within ~20 ms."""


def lock_address(n: int) -> str:
    """The random static Bluetooth address of simulated lock `n` (1-based)."""
    return f"C0:00:00:00:{n >> 8 & 0xFF:02X}:{n & 0xFF:02X}"


class Radio:
    """Where bumble devices attach: an in-process link, or HCI transports to controllers."""

    def __init__(self) -> None:
        self._link = LocalLink()  # type: ignore[no-untyped-call]
        self._transports: list[Any] = []

    def device(self, name: str, address: str) -> Device:
        """A device on this process's link (power it on before use)."""
        controller = Controller(name, link=self._link)
        host = Host()
        host.controller = controller
        return Device(name, address=Address(address), host=host)

    async def hci_device(self, name: str, address: str, spec: str) -> Device:
        """A device on the controller at HCI transport `spec` (e.g. `tcp-client:H:P`)."""
        transport = await open_transport(spec)
        self._transports.append(transport)
        return Device.with_hci(name, Address(address), transport.source, transport.sink)

    async def close(self) -> None:
        """Close the HCI transports opened."""
        for transport in self._transports:
            await transport.close()
        self._transports.clear()


class _GattLink:
    """How the simulated lock answers on one bumble connection."""

    def __init__(self, peripheral: LockPeripheral, connection: Connection) -> None:
        self._peripheral = peripheral
        self._connection = connection

    @property
    def _up(self) -> bool:
        return self._connection.handle in self._peripheral.device.connections

    async def notify(self, frame: bytes) -> None:
        if not self._up:
            return
        await self._peripheral.device.notify_subscriber(
            self._connection, self._peripheral.reply, frame
        )

    async def drop(self) -> None:
        if self._up:
            await self._connection.disconnect()


class LockPeripheral:
    """A `SimulatedLink` served as the lock's GATT service; re-advertises after disconnects."""

    def __init__(self, device: Device, link: SimulatedLink) -> None:
        self.device = device
        """The bumble device (its address is the lock's)."""
        self.link = link
        """The simulated lock and its faults."""
        self.reply: Characteristic[bytes] = Characteristic(
            REPLY_CHAR_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        self._command: Characteristic[bytes] = Characteristic(
            COMMAND_CHAR_UUID,
            Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            Characteristic.WRITEABLE,
            CharacteristicValue[bytes](write=self._on_write),
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._online = True
        self.connections = 0
        """Connections accepted."""
        self.advertisements = 0
        """Times advertising started (once at start, then after every disconnection)."""

    async def start(self) -> None:
        """Power on, add the lock service, advertise."""
        self.device.add_service(Service(LOCK_SERVICE_UUID, [self._command, self.reply]))
        self.device.on(Device.EVENT_CONNECTION, self._on_connection)
        await self.device.power_on()
        await self._advertise()

    async def set_online(self, online: bool) -> None:
        """Go out of range (drop connections, stop advertising) or come back."""
        self._online = online
        self.link.faults.offline = not online
        if online:
            await self._advertise()
            return
        await self.device.stop_advertising()
        for connection in list(self.device.connections.values()):
            await connection.disconnect()

    async def _advertise(self) -> None:
        if not self._online or self.device.is_advertising:
            return
        await self.device.start_advertising(
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
        )
        self.advertisements += 1

    def _on_connection(self, connection: Connection) -> None:
        self.connections += 1
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)

    def _on_disconnection(self, _reason: int) -> None:
        self._spawn(self._advertise())

    def _on_write(self, connection: Connection, value: bytes) -> None:
        self._spawn(self.link.on_frame(bytes(value), _GattLink(self, connection)))

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
