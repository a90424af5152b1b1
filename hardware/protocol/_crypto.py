"""Ed25519 (libsodium via PyNaCl) with a domain tag per message kind."""

from __future__ import annotations

from dataclasses import dataclass

from nacl import bindings
from nacl.exceptions import BadSignatureError

__all__ = [
    "SIGNATURE_SIZE",
    "PublicKey",
    "SecretKey",
    "domain",
    "sign",
    "verify",
]

SIGNATURE_SIZE = 64
"""Bytes of an Ed25519 signature."""


def domain(name: str) -> bytes:
    """The tag signed before a message of kind `name`, so no signature serves two kinds."""
    return b"unitgate/lock/v1/" + name.encode() + b"\x00"


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key (32 bytes)."""

    raw: bytes
    """The key's 32 bytes."""

    def __post_init__(self) -> None:
        if len(self.raw) != bindings.crypto_sign_PUBLICKEYBYTES:
            raise ValueError(f"an Ed25519 public key has 32 bytes, not {len(self.raw)}")


class SecretKey:
    """An Ed25519 signing key, kept as its 32-byte seed."""

    __slots__ = ("_public", "_secret", "seed")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != bindings.crypto_sign_SEEDBYTES:
            raise ValueError(f"an Ed25519 seed has 32 bytes, not {len(seed)}")
        self.seed = seed
        """The 32 random bytes the key derives from (store these, mode 0600)."""
        public, self._secret = bindings.crypto_sign_seed_keypair(seed)
        self._public = PublicKey(public)

    @classmethod
    def generate(cls) -> SecretKey:
        """A new random key."""
        return cls(bindings.randombytes(bindings.crypto_sign_SEEDBYTES))

    @property
    def public(self) -> PublicKey:
        """The public half, which verifiers hold."""
        return self._public

    def sign_raw(self, message: bytes) -> bytes:
        """The 64-byte signature of `message` (no domain tag: see `sign`)."""
        signed: bytes = bindings.crypto_sign(message, self._secret)
        return signed[:SIGNATURE_SIZE]

    def __repr__(self) -> str:
        return f"SecretKey(public={self._public.raw.hex()[:16]}…)"


def sign(key: SecretKey, name: str, message: bytes) -> bytes:
    """Signature of `message` as a message of kind `name`."""
    return key.sign_raw(domain(name) + message)


def verify(key: PublicKey, name: str, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is `key`'s over `message` as a message of kind `name`."""
    if len(signature) != SIGNATURE_SIZE:
        return False
    try:
        bindings.crypto_sign_open(signature + domain(name) + message, key.raw)
    except BadSignatureError:
        return False
    return True
