"""A bleak link: connects with bleak-retry-connector, writes commands, takes notifications."""

from __future__ import annotations

import contextlib
from typing import Any

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import establish_connection

from hardware.protocol import COMMAND_CHAR_UUID, REPLY_CHAR_UUID
from hardware.transport._base import ConnectFailed, LinkLost, ReplyQueue

__all__ = ["BleakTransport"]


class BleakTransport:
    """A `Transport` over bleak's `BleakClient` (any backend: BlueZ, CoreBluetooth, tests')."""

    def __init__(
        self,
        device: BLEDevice,
        *,
        backend: type[BaseBleakClient] | None = None,
        connect_attempts: int = 3,
        connect_timeout: float = 10.0,
    ) -> None:
        self._device = device
        self._backend = backend
        self._attempts = connect_attempts
        self._timeout = connect_timeout
        self._client: BleakClient | None = None
        self._replies = ReplyQueue()
        self.connects = 0
        """Connections made (health: many reconnects is a flaky link)."""

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""
        return self._client is not None and self._client.is_connected

    async def connect(self) -> None:
        """Connect with bounded retries (bleak-retry-connector) and subscribe to replies."""
        if self.is_connected:
            return
        self._replies = ReplyQueue()
        queue = self._replies
        extra: dict[str, Any] = {"timeout": self._timeout}
        if self._backend is not None:
            extra["backend"] = self._backend
        try:
            client = await establish_connection(
                BleakClient,
                self._device,
                self._device.name or self._device.address,
                disconnected_callback=lambda _client: queue.lost(),
                max_attempts=self._attempts,
                **extra,
            )
            await client.start_notify(REPLY_CHAR_UUID, self._on_reply)
        except (BleakError, TimeoutError, EOFError) as exc:
            raise ConnectFailed(f"cannot connect to {self._device.address}: {exc}") from exc
        self._client = client
        self.connects += 1

    def _on_reply(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        self._replies.put(bytes(data))

    async def disconnect(self) -> None:
        """Drop the link."""
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            # already going down: nothing left to release
            with contextlib.suppress(BleakError, TimeoutError, EOFError):
                await client.disconnect()

    async def send(self, frame: bytes) -> None:
        """Write `frame` with response (long write when above the MTU)."""
        client = self._client
        if client is None or not client.is_connected:
            raise LinkLost("not connected")
        try:
            await client.write_gatt_char(COMMAND_CHAR_UUID, frame, response=True)
        except (BleakError, TimeoutError, EOFError) as exc:
            raise LinkLost(f"write failed: {exc}") from exc

    async def receive(self, timeout: float) -> bytes:
        """The next notified frame."""
        if self._client is None:
            raise LinkLost("not connected")
        return await self._replies.get(timeout)

    def discard_pending(self) -> None:
        """Forget unread frames."""
        self._replies.clear()
