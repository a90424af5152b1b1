"""Links to locks: `BleakTransport` (bleak, bleak-retry-connector) and `MemoryTransport`.

Both carry whole protocol frames; the driver sees only the `Transport` protocol.
"""

from hardware.transport._base import ConnectFailed, LinkLost, ReplyQueue, Transport, TransportError
from hardware.transport._bleak import BleakTransport
from hardware.transport._memory import MemoryPeer, MemoryTransport, PeerLink

__all__ = [
    "BleakTransport",
    "ConnectFailed",
    "LinkLost",
    "MemoryPeer",
    "MemoryTransport",
    "PeerLink",
    "ReplyQueue",
    "Transport",
    "TransportError",
]
