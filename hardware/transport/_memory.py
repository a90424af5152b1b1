"""An in-memory link: the same frames as over the air, with no radio (unit tests, benches)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from hardware.transport._base import ConnectFailed, LinkLost, ReplyQueue

__all__ = ["MemoryPeer", "MemoryTransport", "PeerLink"]


class PeerLink(Protocol):
    """How a peer answers on the connection a frame came in on."""

    async def notify(self, frame: bytes) -> None:
        """Send one frame to the central."""
        ...

    async def drop(self) -> None:
        """Drop the connection (a fault: disconnect mid-command)."""
        ...


class MemoryPeer(Protocol):
    """The lock side of an in-memory link (the simulator's `SimulatedLink` is one)."""

    @property
    def reachable(self) -> bool:
        """Whether a connection can be made now (False: out of range, powered off)."""
        ...

    async def on_frame(self, frame: bytes, link: PeerLink) -> None:
        """Handle one frame written by the central; reply through `link`."""
        ...


class _Link:
    def __init__(self, owner: MemoryTransport) -> None:
        self._owner = owner
        self.up = True

    async def notify(self, frame: bytes) -> None:
        if self.up:
            self._owner.replies.put(frame)

    async def drop(self) -> None:
        if self.up:
            self.up = False
            self._owner.replies.lost()


class MemoryTransport:
    """A `Transport` to a `MemoryPeer` in the same process."""

    def __init__(self, peer: MemoryPeer) -> None:
        self._peer = peer
        self._link: _Link | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.replies = ReplyQueue()
        """Frames the peer sent, not yet received."""

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""
        return self._link is not None and self._link.up

    async def connect(self) -> None:
        """Connect when the peer is reachable."""
        if self.is_connected:
            return
        if not self._peer.reachable:
            raise ConnectFailed("the lock is not reachable")
        self.replies = ReplyQueue()
        self._link = _Link(self)

    async def disconnect(self) -> None:
        """Drop the link."""
        if self._link is not None:
            self._link.up = False
        self._link = None

    async def send(self, frame: bytes) -> None:
        """Deliver `frame` to the peer (it answers asynchronously, as over the air)."""
        link = self._link
        if link is None or not link.up:
            raise LinkLost("not connected")
        task = asyncio.get_running_loop().create_task(self._peer.on_frame(bytes(frame), link))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def receive(self, timeout: float) -> bytes:
        """The next frame from the peer."""
        if not self.is_connected:
            raise LinkLost("not connected")
        return await self.replies.get(timeout)

    def discard_pending(self) -> None:
        """Forget unread frames."""
        self.replies.clear()
