"""A lock rig for tests: a facility key, simulated locks, drivers over in-memory links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from engine.clock import ManualClock
from hardware.driver import DriverPolicy, IssuerSource, LockDriver
from hardware.protocol import CommandIssuer, FacilityKey, LockIdentity, SecretKey
from hardware.sim import LockFirmware, LockSpec, SimulatedLink
from hardware.transport import MemoryTransport

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
"""A weekday morning: every rig's clock starts here."""
FAST = DriverPolicy(attempts=3, reply_timeout=0.3, motor_timeout=0.5, backoff=0.01)
"""Short bounds: an in-memory or bumble exchange takes milliseconds."""


def fixed_key(n: int) -> SecretKey:
    """A deterministic key (the vectors and reproducible tests use these)."""
    return SecretKey(bytes([n]) * 32)


@dataclass
class Rig:
    """One facility: its key and clock; `lock()` adds simulated locks."""

    clock: ManualClock = field(default_factory=lambda: ManualClock(START))
    facility: FacilityKey = field(default_factory=lambda: FacilityKey(1, fixed_key(1)))

    @property
    def issuer(self) -> CommandIssuer:
        """Signs commands with the facility key."""
        return CommandIssuer(self.facility)

    def source(self, window: int = 30) -> IssuerSource:
        """A command source signing in-process."""
        return IssuerSource(self.issuer, self.clock, window)

    def firmware(self, n: int = 2, **kwargs: object) -> LockFirmware:
        """A simulated lock trusting this facility (device key `fixed_key(n)`)."""
        spec = LockSpec(UUID(int=n), fixed_key(n), (self.facility.trusted,))
        return LockFirmware(spec, self.clock, **kwargs)  # type: ignore[arg-type]

    def driver(
        self, firmware: LockFirmware, policy: DriverPolicy = FAST
    ) -> tuple[LockDriver, SimulatedLink]:
        """A driver over an in-memory link to `firmware`, and the link (for faults)."""
        link = SimulatedLink(firmware)
        identity = LockIdentity(firmware.spec.lock_id, firmware.spec.device_key.public)
        return LockDriver(MemoryTransport(link), identity, policy), link
