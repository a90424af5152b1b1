"""What the driver needs of a link to one lock, and the errors a link raises."""

from __future__ import annotations

import asyncio
from typing import Protocol

__all__ = ["ConnectFailed", "LinkLost", "ReplyQueue", "Transport", "TransportError"]


class TransportError(Exception):
    """The link to the lock failed (the driver may reconnect and retry)."""


class ConnectFailed(TransportError):
    """No connection could be made (the lock is out of range, off, or busy)."""


class LinkLost(TransportError):
    """The connection dropped while in use."""


class Transport(Protocol):
    """A connection to one lock: frames written to it, frames it notifies."""

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""
        ...

    async def connect(self) -> None:
        """Connect (bounded; `ConnectFailed` when it cannot)."""
        ...

    async def disconnect(self) -> None:
        """Drop the link (no error when it is down already)."""
        ...

    async def send(self, frame: bytes) -> None:
        """Write one frame to the lock (`LinkLost` when the link is down)."""
        ...

    async def receive(self, timeout: float) -> bytes:
        """The next frame the lock sent: `TimeoutError` after `timeout` s, `LinkLost`."""
        ...

    def discard_pending(self) -> None:
        """Forget frames received but not read (late replies to an abandoned request)."""
        ...


_LOST = object()


class ReplyQueue:
    """Frames from the lock in arrival order, and the link's loss as an event in it."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[bytes | object] = asyncio.Queue()

    def put(self, frame: bytes) -> None:
        """A frame arrived."""
        self._queue.put_nowait(bytes(frame))

    def lost(self) -> None:
        """The link dropped: a waiting `get` raises `LinkLost`."""
        self._queue.put_nowait(_LOST)

    async def get(self, timeout: float) -> bytes:
        """The next frame (`TimeoutError`, `LinkLost`)."""
        async with asyncio.timeout(timeout):
            item = await self._queue.get()
        if item is _LOST or not isinstance(item, bytes):
            raise LinkLost("the lock disconnected")
        return item

    def clear(self) -> None:
        """Drop everything queued."""
        while not self._queue.empty():
            self._queue.get_nowait()
