"""The simulated lock on a link: firmware behind fault injection, for any radio adapter."""

from __future__ import annotations

import asyncio

from hardware.sim._faults import LinkFaults
from hardware.sim._firmware import LockFirmware
from hardware.transport import PeerLink

__all__ = ["SimulatedLink"]


class SimulatedLink:
    """Frames to the firmware and its replies back, with faults (a `MemoryPeer`)."""

    def __init__(self, firmware: LockFirmware, faults: LinkFaults | None = None) -> None:
        self.firmware = firmware
        """The lock."""
        self.faults = faults or LinkFaults()
        """What goes wrong on the link."""

    @property
    def reachable(self) -> bool:
        """Whether a central can connect now."""
        return not self.faults.offline

    async def on_frame(self, frame: bytes, link: PeerLink) -> None:
        """Hand `frame` to the firmware and send its replies, faults applied."""
        faults = self.faults
        if faults.take("drop_request"):
            return
        for reply in self.firmware.handle(frame):
            if reply.actuated and faults.take("disconnect_mid_command"):
                await link.drop()
                return
            if reply.actuated and self.firmware.mechanics.motor_seconds:
                await asyncio.sleep(self.firmware.mechanics.motor_seconds)
            if faults.delay:
                await asyncio.sleep(faults.delay)
            if reply.final and faults.take("drop_reply"):
                continue
            data = reply.frame
            if faults.take("corrupt_reply"):
                data = faults.corrupt(data)
            if faults.take("truncate_reply"):
                data = data[: len(data) // 2]
            await link.notify(data)
