"""The port through which the engine reaches locks; `api` wires the `hardware` adapter.

The engine holds keys and records; the port turns them into the protocol's bytes and talks
to gateways. Nothing here imports `hardware` (DESIGN.md: the engine defines the port).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

__all__ = ["KeyDeriver", "KeyMaterial", "LockSigner"]


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
