"""The port through which the engine reaches locks; `api` wires the `hardware` adapter.

The engine holds keys and records; the port turns them into the protocol's bytes and talks
to gateways. Nothing here imports `hardware` (DESIGN.md: the engine defines the port).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

__all__ = [
    "GatewayPort",
    "GatewayUnavailable",
    "HealthView",
    "KeyDeriver",
    "KeyMaterial",
    "LockEvent",
    "LockObservation",
    "LockSigner",
    "LockStatusReading",
    "RemoteOutcome",
]


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """A facility's signing key as the port needs it."""

    key_id: int
    """The id commands carry so a lock picks the right trusted key."""
    seed: bytes
    """The 32-byte Ed25519 seed (secret)."""
    public: bytes
    """The 32-byte public key."""


class KeyDeriver(Protocol):
    """Derives an Ed25519 public key from its 32-byte seed."""

    def __call__(self, seed: bytes, /) -> bytes: ...


class LockSigner(Protocol):
    """Turns a facility key and a decision into the protocol's signed bytes."""

    def public_of(self, seed: bytes) -> bytes:
        """The Ed25519 public key of `seed`."""
        ...

    def command(
        self,
        key: KeyMaterial,
        *,
        lock_id: str,
        action: str,
        challenge: bytes,
        not_before: datetime,
        not_after: datetime,
        command_id: UUID,
    ) -> bytes:
        """The signed COMMAND frame for the lock's challenge nonce (`action`: unlock|lock)."""
        ...

    def challenge_nonce(self, lock_id: str, frame: bytes) -> bytes:
        """The nonce of a lock's CHALLENGE frame (`InvalidInputError` when it is not one,
        or is another lock's)."""
        ...

    def offline_key(
        self,
        key: KeyMaterial,
        zone: str,
        *,
        key_id: int,
        person_id: str,
        phone_public: bytes,
        locks: list[str],
        now: datetime,
        until: datetime | None,
    ) -> tuple[bytes, datetime]:
        """The signed credential's bytes and when it ends (at most the local day's end)."""
        ...

    def revocations(
        self, key: KeyMaterial, *, version: int, issued_at: datetime, key_ids: list[int]
    ) -> bytes:
        """The signed REVOCATIONS frame of list `version`."""
        ...


@dataclass(frozen=True, slots=True)
class RemoteOutcome:
    """How a remote action through a gateway ended."""

    status: str
    """`success` or `error`."""
    error: str | None
    """`lock_offline`, `gateway_down`, `timeout`, `refused`, `invalid_reply`; None on success."""
    confirmed_by_device: bool
    """The lock's own signature over the completion of this command id was checked."""
    lock_code: str | None = None
    """The lock's error code when it refused."""
    message: str | None = None
    """A sentence for people."""


class GatewayUnavailable(Exception):
    """A gateway call that did not reach the lock (`kind`: `gateway_down`, `lock_offline`,
    `timeout`, `refused`, `unknown_lock`, `invalid_reply`, `bad_request`)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class LockStatusReading:
    """A lock's status as it signed it (checked against its device key by the adapter)."""

    values: dict[str, object]
    """Battery %, critical flag, tamper, lock state, door, firmware, the lock's clock, its
    event counter and revocation version, and the signed frame (base64) as JSON values."""
    counter: int
    """The lock's highest event counter."""
    revocation_version: int
    """The revocation list version it holds."""


@dataclass(frozen=True, slots=True)
class LockEvent:
    """One event of a lock's log, verified against the lock's key."""

    counter: int
    kind: str
    """`unlocked`, `locked`, `refused`, `offline_unlocked`, `door_opened`, ..."""
    at: datetime
    """By the lock's clock."""
    code: str | None
    """The error code of a refusal."""
    key_id: int
    """The offline key's id (0: none)."""
    subject: UUID
    """The command's id, or for offline keys the person's id."""


@dataclass(frozen=True, slots=True)
class LockObservation:
    """What the server knows of one lock, for assessing its health."""

    lock_id: str
    public_key: str
    """Hex: the status stored is checked against it again."""
    gateway_id: str | None
    status: dict[str, object] | None
    status_at: datetime | None
    tries: list[bool]


@dataclass(frozen=True, slots=True)
class HealthView:
    """A lock's health as operators read it."""

    battery_percent: int | None
    battery: str | None
    """`good`, `low`, `critical` (None: never read)."""
    connectivity: str
    """`connected`, `disconnected`, `flaky`, `unknown`."""
    tamper: bool
    jammed: bool
    clock_drift: int | None
    """Lock clock minus server clock at the last status, seconds."""
    drifting: bool
    """The drift is beyond what the health reports."""
    advice: tuple[str, ...]
    """What to do, most urgent first."""
    advice_by_topic: dict[str, str]
    """The advice for each topic that has one: `battery`, `connection`, `tamper`,
    `jammed`, `clock`."""

    def as_json(self) -> dict[str, object]:
        """As stored on the lock's row."""
        return {
            "battery_percent": self.battery_percent,
            "battery": self.battery,
            "connectivity": self.connectivity,
            "tamper": self.tamper,
            "jammed": self.jammed,
            "clock_drift": self.clock_drift,
            "drifting": self.drifting,
            "advice": list(self.advice),
        }


class GatewayPort(Protocol):
    """Gateways (hubs) as the engine uses them; `api` wires `hardware.gateway`."""

    async def remote_unlock(
        self,
        url: str,
        lock_id: str,
        public_key: str,
        command_id: UUID,
        issue: Callable[[bytes], bytes],
        deadline: float,
    ) -> RemoteOutcome:
        """Challenge → `issue(nonce)` signs → relay → the settled outcome (never raises for
        outcomes a server records)."""
        ...

    async def status(self, url: str, lock_id: str, public_key: str) -> LockStatusReading:
        """Poll the lock's signed status now (`GatewayUnavailable`)."""
        ...

    async def push_revocations(self, url: str, lock_id: str, frame: bytes) -> int:
        """Send a signed revocation list; the version the lock holds (`GatewayUnavailable`)."""
        ...

    async def upload_log(
        self, url: str, lock_id: str, public_key: str, after: int
    ) -> tuple[list[LockEvent], int]:
        """The lock's events after `after`, verified, and its last counter
        (`GatewayUnavailable`, also when the upload is not the lock's, whole and fresh)."""
        ...

    def assess(self, lock: LockObservation, peers: list[LockObservation]) -> HealthView:
        """The health of `lock` given the other locks on its gateway (`peers`)."""
        ...
