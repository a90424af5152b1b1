"""A bleak backend over bumble: `BleakClient(device, backend=BumbleBleakClient)`.

bleak has no bumble backend of its own. The tests use this one (through
`tests/support/bumble_bleak.py`), and so does the gateway when its locks are simulated;
bumble is a dev dependency, so this module is imported only where it is installed.

This `BaseBleakClient` (bleak pinned at 3.1.0, whose base class this follows) drives a
bumble central `Device`'s `Peer`, so the driver's bleak code, `establish_connection`
included, runs unchanged over a real ATT/GATT exchange: MTU exchange, discovery, CCCD
writes, long writes, notifications. The central travels in the `BLEDevice`'s details:
`bumble_device(central, address)`.
"""

# ruff: noqa: ARG002  (bleak's interface takes arguments this backend has no use for)
from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bleak.uuids import normalize_uuid_str
from bumble.core import UUID, BaseBumbleError
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt import Characteristic

__all__ = ["MTU", "BumbleBleakClient", "BumbleDetails", "bumble_device"]

MTU = 247
"""The ATT MTU requested at connect (a lock's notifications fit one at 244 bytes)."""

_PROPERTIES = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
    Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}


@dataclass(frozen=True)
class BumbleDetails:
    """What a `BLEDevice` carries for this backend: the central to connect from."""

    central: Device


def bumble_device(central: Device, address: str, name: str | None = None) -> BLEDevice:
    """A `BLEDevice` for the peripheral at `address`, reached from bumble `central`."""
    return BLEDevice(address, name, BumbleDetails(central))


_CONNECT_LOCKS: weakref.WeakKeyDictionary[Device, asyncio.Lock] = weakref.WeakKeyDictionary()


def _connect_lock(central: Device) -> asyncio.Lock:
    lock = _CONNECT_LOCKS.get(central)
    if lock is None:
        lock = _CONNECT_LOCKS[central] = asyncio.Lock()
    return lock


def _uuid(value: UUID) -> str:
    return normalize_uuid_str(value.to_hex_str("-"))


class BumbleBleakClient(BaseBleakClient):
    """bleak's client interface over a bumble `Peer`."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        if not isinstance(address_or_ble_device, BLEDevice) or not isinstance(
            address_or_ble_device.details, BumbleDetails
        ):
            raise BleakError("the bumble backend needs a BLEDevice from bumble_device()")
        self._central = address_or_ble_device.details.central
        self._name = address_or_ble_device.name or self.address
        self._connection: Connection | None = None
        self._peer: Peer | None = None

    @property
    def name(self) -> str:
        """The peripheral's name."""
        return self._name

    @property
    def mtu_size(self) -> int:
        """The negotiated ATT MTU."""
        return self._connection.att_mtu if self._connection else 23

    @property
    def is_connected(self) -> bool:
        """Whether the ACL link is up."""
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Scan for the peripheral, connect, exchange the MTU and discover everything.

        As a phone does, it connects only to a device it has just heard advertising: a
        connection request to an absent device would stay pending in the controller (one
        may be pending at a time), and a central serves many locks. Connects from one
        central are serialised for the same reason.
        """
        timeout = min(float(kwargs.get("timeout", self._timeout)), self._timeout)
        async with _connect_lock(self._central):
            await self._await_advertisement(timeout)
            try:
                connection = await self._central.connect(self.address, timeout=timeout)
            except (BaseBumbleError, TimeoutError) as exc:
                raise BleakError(f"bumble: cannot connect to {self.address}: {exc}") from exc
        self._connection = connection
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        peer = Peer(connection)
        self._peer = peer
        try:
            await peer.request_mtu(MTU)
            await peer.discover_all()  # type: ignore[no-untyped-call]
        except BaseBumbleError as exc:
            await self.disconnect()
            raise BleakError(f"bumble: discovery failed: {exc}") from exc
        self.services = self._collection(peer)

    async def _await_advertisement(self, timeout: float) -> None:
        heard = asyncio.Event()
        target = self.address.upper()

        def on_advertisement(advertisement: Advertisement) -> None:
            if str(advertisement.address).upper().startswith(target):
                heard.set()

        self._central.on(Device.EVENT_ADVERTISEMENT, on_advertisement)
        try:
            await self._central.start_scanning(legacy=True, scan_interval=20, scan_window=20)
            async with asyncio.timeout(timeout):
                await heard.wait()
        except TimeoutError:
            # what a radio's connect to an absent device ends in (and bleak-retry-connector
            # retries it with a short backoff, as it would a real one)
            raise TimeoutError(f"bumble: {self.address} is not advertising") from None
        finally:
            self._central.remove_listener(Device.EVENT_ADVERTISEMENT, on_advertisement)
            await self._central.stop_scanning()

    def _collection(self, peer: Peer) -> BleakGATTServiceCollection:
        services = BleakGATTServiceCollection()
        for service in peer.services:
            bleak_service = BleakGATTService(service, service.handle, _uuid(service.uuid))
            services.add_service(bleak_service)
            for char in service.characteristics:
                properties = [name for flag, name in _PROPERTIES.items() if char.properties & flag]
                bleak_char = BleakGATTCharacteristic(
                    char,
                    char.handle,
                    _uuid(char.uuid),
                    properties,  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3,
                    bleak_service,
                )
                services.add_characteristic(bleak_char)
                for descriptor in char.descriptors:
                    services.add_descriptor(
                        BleakGATTDescriptor(
                            descriptor, descriptor.handle, _uuid(descriptor.type), bleak_char
                        )
                    )
        return services

    def _on_disconnection(self, _reason: int) -> None:
        self._connection = None
        self._peer = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    def _require(self) -> Peer:
        if self._peer is None:
            raise BleakError("not connected")
        return self._peer

    async def disconnect(self) -> None:
        """Disconnect (no error when already down)."""
        connection = self._connection
        if connection is not None:
            try:
                await connection.disconnect()
            except BaseBumbleError:
                self._connection = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """The lock protocol authenticates at the application layer: no pairing."""
        raise BleakError("pairing is not used with simulated locks")

    async def unpair(self) -> None:
        """See `pair`."""
        raise BleakError("pairing is not used with simulated locks")

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """ATT read of a characteristic's value."""
        value = await self._require().read_value(characteristic.obj)
        return bytearray(value)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """ATT read of a descriptor."""
        return bytearray(await self._require().read_value(descriptor.obj))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        """ATT write request (long write when needed) or write command."""
        try:
            await self._require().write_value(
                characteristic.obj, bytes(data), with_response=response
            )
        except BaseBumbleError as exc:
            raise BleakError(f"bumble: write failed: {exc}") from exc

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        """ATT write of a descriptor."""
        await self._require().write_value(descriptor.obj, bytes(data), with_response=True)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe (writes the CCCD) and hand each notification to `callback`."""
        await self._require().subscribe(
            characteristic.obj, lambda value: callback(bytearray(value))
        )

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Unsubscribe."""
        await self._require().unsubscribe(characteristic.obj)
