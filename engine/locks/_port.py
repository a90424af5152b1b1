"""The port through which the engine reaches locks; `api` wires the `hardware` adapter.

The engine holds keys and records; the port turns them into the protocol's bytes and talks
to gateways. Nothing here imports `hardware` (DESIGN.md: the engine defines the port).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["KeyDeriver", "KeyMaterial"]


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
