"""A lock rig for tests: a facility key, simulated locks, drivers over in-memory links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from engine.clock import ManualClock
from hardware.driver import DriverPolicy, IssuerSource, LockDriver
from hardware.protocol import CommandIssuer, ErrorCode, FacilityKey, LockIdentity, SecretKey
from hardware.sim import LockFirmware, LockSpec, SimulatedLink
from hardware.transport import MemoryTransport

if TYPE_CHECKING:
    from engine.runtime import Runtime

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


def install_lock(rt: Runtime, facility_id: str, door_id: str) -> LockFirmware:
    """A simulated lock on `door_id`, registered and trusting the facility's key (made as
    the service makes it, on first need), with the runtime's clock."""
    from api.locks import HardwareSigner
    from engine.locks import facility_key, register_lock
    from engine.persistence.tables import Door
    from hardware.protocol import PublicKey, TrustedKey

    now = rt.clock.now()
    lock_id, device = uuid4(), SecretKey.generate()
    with rt.db.transaction() as s:
        key = facility_key(s, facility_id, HardwareSigner().public_of, now)
        register_lock(
            s,
            facility_id,
            lock_id=str(lock_id),
            name=f"lock {door_id[:8]}",
            public_key=device.public.raw.hex(),
            address=None,
            gateway_id=None,
            now=now,
        )
        door = s.get(Door, door_id)
        assert door is not None
        door.lock_ref = str(lock_id)
        s.add(door)
        trusted = TrustedKey(key.key_id, PublicKey(bytes.fromhex(key.public)))
    return LockFirmware(LockSpec(lock_id, device, (trusted,)), rt.clock)


def challenge_of(lock: LockFirmware) -> bytes:
    """The CHALLENGE frame `lock` answers a phone's request with."""
    from hardware.protocol import ChallengeRequest

    return lock.handle(ChallengeRequest().frame())[0].frame


def offline_open(lock: LockFirmware, credential: bytes, phone: SecretKey) -> ErrorCode | None:
    """Open `lock` with an offline key as the phone does; the lock's refusal, if any."""
    from hardware.protocol import (
        Action,
        Challenge,
        ErrorReport,
        OfflineKey,
        OfflineOpen,
        decode_reply,
        sign,
    )

    challenge = decode_reply(challenge_of(lock))
    assert isinstance(challenge, Challenge)
    key = OfflineKey.unpack(credential)
    use = OfflineOpen(key, Action.UNLOCK, challenge.nonce)
    proof = sign(phone, OfflineOpen.SIGNED_AS, use.proof_body(lock.spec.lock_id))
    reply = decode_reply(
        lock.handle(OfflineOpen(key, Action.UNLOCK, challenge.nonce, proof).frame())[-1].frame
    )
    return reply.code if isinstance(reply, ErrorReport) else None
