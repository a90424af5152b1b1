"""Messages a phone, gateway or the server send to a lock (server-signed where it matters)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self
from uuid import UUID

from hardware.protocol._codes import Action, Kind
from hardware.protocol._crypto import SIGNATURE_SIZE, PublicKey, verify
from hardware.protocol._frame import FrameError, encode_frame

__all__ = [
    "MAX_OFFLINE_LOCKS",
    "MAX_REVOKED_IDS",
    "NONCE_SIZE",
    "ChallengeRequest",
    "Command",
    "LogRequest",
    "OfflineKey",
    "OfflineOpen",
    "Revocations",
    "StatusRequest",
]

NONCE_SIZE = 16
"""Bytes of a challenge or request nonce."""
MAX_OFFLINE_LOCKS = 8
"""Most locks one offline key names."""
MAX_REVOKED_IDS = 100
"""Most key ids one revocation list holds (it only needs the keys not yet expired)."""


def _check(payload: bytes, layout: struct.Struct, what: str, extra: int = 0) -> None:
    if len(payload) != layout.size + extra:
        raise FrameError(f"{what} payload of {len(payload)} bytes, expected {layout.size + extra}")


@dataclass(frozen=True, slots=True)
class ChallengeRequest:
    """Ask the lock for a fresh challenge (empty payload)."""

    KIND: ClassVar[Kind] = Kind.CHALLENGE_REQUEST

    def frame(self) -> bytes:
        """The encoded frame."""
        return encode_frame(self.KIND, b"")


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """Ask for the lock's signed status; the nonce makes the answer fresh."""

    KIND: ClassVar[Kind] = Kind.STATUS_REQUEST
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<16s")
    nonce: bytes
    """Random bytes the signed status echoes."""

    def frame(self) -> bytes:
        """The encoded frame."""
        return encode_frame(self.KIND, self._LAYOUT.pack(self.nonce))

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload."""
        _check(payload, cls._LAYOUT, "status request")
        return cls(*cls._LAYOUT.unpack(payload))


@dataclass(frozen=True, slots=True)
class LogRequest:
    """Ask for the events numbered above `after`; the nonce makes the log's end fresh."""

    KIND: ClassVar[Kind] = Kind.LOG_REQUEST
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<I16s")
    after: int
    """The highest counter the requester already holds (0: everything)."""
    nonce: bytes
    """Random bytes the signed LOG_END echoes."""

    def frame(self) -> bytes:
        """The encoded frame."""
        return encode_frame(self.KIND, self._LAYOUT.pack(self.after, self.nonce))

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload."""
        _check(payload, cls._LAYOUT, "log request")
        return cls(*cls._LAYOUT.unpack(payload))


@dataclass(frozen=True, slots=True)
class Command:
    """A server-signed command for one lock, one challenge, one window and one command id."""

    KIND: ClassVar[Kind] = Kind.COMMAND
    SIGNED_AS: ClassVar[str] = "command"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<I16sB16sII16s")
    key_id: int
    """Which facility signing key signed it (keys rotate)."""
    lock_id: UUID
    """The only lock that carries it out."""
    action: Action
    """Unlock or lock."""
    challenge: bytes
    """The lock's challenge this command answers (single use)."""
    not_before: int
    """Unix seconds: the lock refuses it earlier (beyond its clock tolerance)."""
    not_after: int
    """Unix seconds: the lock refuses it later (beyond its clock tolerance)."""
    command_id: UUID
    """Idempotency key: the lock carries out one command id once."""
    signature: bytes = b""
    """Ed25519 signature by the facility key over the fields above."""

    def body(self) -> bytes:
        """The signed bytes."""
        return self._LAYOUT.pack(
            self.key_id,
            self.lock_id.bytes,
            self.action,
            self.challenge,
            self.not_before,
            self.not_after,
            self.command_id.bytes,
        )

    def frame(self) -> bytes:
        """The encoded frame (signature included)."""
        return encode_frame(self.KIND, self.body() + self.signature)

    def verifies(self, key: PublicKey) -> bool:
        """Whether the signature is `key`'s."""
        return verify(key, self.SIGNED_AS, self.body(), self.signature)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (the signature is not checked here)."""
        _check(payload, cls._LAYOUT, "command", SIGNATURE_SIZE)
        key_id, lock, action, challenge, nb, na, cid = cls._LAYOUT.unpack_from(payload)
        try:
            known = Action(action)
        except ValueError:
            raise FrameError(f"unknown action {action}") from None
        sig = payload[cls._LAYOUT.size :]
        return cls(key_id, UUID(bytes=lock), known, challenge, nb, na, UUID(bytes=cid), sig)


@dataclass(frozen=True, slots=True)
class OfflineKey:
    """A server-signed credential a phone keeps: opens the named locks until `not_after`."""

    SIGNED_AS: ClassVar[str] = "offline-key"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<II16s32sIIB")
    key_id: int
    """Revocable id of this credential."""
    issuer_key_id: int
    """Which facility signing key signed it."""
    person: UUID
    """Whom it was issued to (logged by the lock with each use)."""
    phone_key: bytes
    """The phone's Ed25519 public key: each use is signed with its secret half."""
    not_before: int
    """Unix seconds the key starts."""
    not_after: int
    """Unix seconds the key ends: at most the end of the facility's local day of issue."""
    locks: tuple[UUID, ...]
    """The locks it opens."""
    signature: bytes = b""
    """Ed25519 signature by the facility key."""

    def body(self) -> bytes:
        """The signed bytes."""
        head = self._LAYOUT.pack(
            self.key_id,
            self.issuer_key_id,
            self.person.bytes,
            self.phone_key,
            self.not_before,
            self.not_after,
            len(self.locks),
        )
        return head + b"".join(lock.bytes for lock in self.locks)

    def pack(self) -> bytes:
        """The credential's bytes (signature included)."""
        return self.body() + self.signature

    def verifies(self, key: PublicKey) -> bool:
        """Whether the signature is `key`'s."""
        return verify(key, self.SIGNED_AS, self.body(), self.signature)

    @classmethod
    def unpack(cls, data: bytes) -> Self:
        """Decode a credential (the signature is not checked here)."""
        if len(data) < cls._LAYOUT.size:
            raise FrameError(f"offline key of {len(data)} bytes is too short")
        key_id, issuer, person, phone, nb, na, count = cls._LAYOUT.unpack_from(data)
        if not 1 <= count <= MAX_OFFLINE_LOCKS:
            raise FrameError(f"offline key names {count} locks, expected 1..{MAX_OFFLINE_LOCKS}")
        _check(data, cls._LAYOUT, "offline key", 16 * count + SIGNATURE_SIZE)
        start = cls._LAYOUT.size
        locks = tuple(UUID(bytes=data[start + 16 * i : start + 16 * (i + 1)]) for i in range(count))
        sig = data[start + 16 * count :]
        return cls(key_id, issuer, UUID(bytes=person), phone, nb, na, locks, sig)


@dataclass(frozen=True, slots=True)
class OfflineOpen:
    """A phone's use of an offline key: the credential and its proof for this challenge."""

    KIND: ClassVar[Kind] = Kind.OFFLINE_OPEN
    SIGNED_AS: ClassVar[str] = "offline-open"
    _LEN: ClassVar[struct.Struct] = struct.Struct("<H")
    _TAIL: ClassVar[struct.Struct] = struct.Struct("<B16s")
    credential: OfflineKey
    """The server-signed key."""
    action: Action
    """Unlock or lock."""
    challenge: bytes
    """The lock's current challenge."""
    proof: bytes = b""
    """The phone's signature (its key is in the credential) over `proof_body`."""

    def proof_body(self, lock_id: UUID) -> bytes:
        """What the phone signs: this lock, this challenge, this action, this key."""
        return (
            lock_id.bytes
            + self.challenge
            + bytes([self.action])
            + self.credential.key_id.to_bytes(4, "little")
        )

    def frame(self) -> bytes:
        """The encoded frame."""
        credential = self.credential.pack()
        tail = self._TAIL.pack(self.action, self.challenge)
        return encode_frame(
            self.KIND, self._LEN.pack(len(credential)) + credential + tail + self.proof
        )

    def proof_verifies(self, lock_id: UUID) -> bool:
        """Whether the phone that holds the credential signed this use at `lock_id`."""
        try:
            phone = PublicKey(self.credential.phone_key)
        except ValueError:
            return False
        return verify(phone, self.SIGNED_AS, self.proof_body(lock_id), self.proof)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (no signature checked here)."""
        if len(payload) < cls._LEN.size:
            raise FrameError("offline open payload too short")
        (length,) = cls._LEN.unpack_from(payload)
        rest = payload[cls._LEN.size + length :]
        if len(rest) != cls._TAIL.size + SIGNATURE_SIZE:
            raise FrameError("offline open payload has the wrong length")
        credential = OfflineKey.unpack(payload[cls._LEN.size : cls._LEN.size + length])
        action, challenge = cls._TAIL.unpack_from(rest)
        try:
            known = Action(action)
        except ValueError:
            raise FrameError(f"unknown action {action}") from None
        return cls(credential, known, challenge, rest[cls._TAIL.size :])


@dataclass(frozen=True, slots=True)
class Revocations:
    """A server-signed list of revoked offline key ids; a lock keeps only a newer version."""

    KIND: ClassVar[Kind] = Kind.REVOCATIONS
    SIGNED_AS: ClassVar[str] = "revocations"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<IIIH")
    issuer_key_id: int
    """Which facility signing key signed it."""
    version: int
    """Increases with each list the facility issues."""
    issued_at: int
    """Unix seconds of issue."""
    key_ids: tuple[int, ...]
    """Revoked offline key ids (those not yet expired)."""
    signature: bytes = b""
    """Ed25519 signature by the facility key."""

    def body(self) -> bytes:
        """The signed bytes."""
        head = self._LAYOUT.pack(
            self.issuer_key_id, self.version, self.issued_at, len(self.key_ids)
        )
        return head + struct.pack(f"<{len(self.key_ids)}I", *self.key_ids)

    def frame(self) -> bytes:
        """The encoded frame."""
        return encode_frame(self.KIND, self.body() + self.signature)

    def verifies(self, key: PublicKey) -> bool:
        """Whether the signature is `key`'s."""
        return verify(key, self.SIGNED_AS, self.body(), self.signature)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (the signature is not checked here)."""
        if len(payload) < cls._LAYOUT.size:
            raise FrameError("revocation list payload too short")
        issuer, version, issued_at, count = cls._LAYOUT.unpack_from(payload)
        if count > MAX_REVOKED_IDS:
            raise FrameError(f"revocation list of {count} ids, at most {MAX_REVOKED_IDS}")
        _check(payload, cls._LAYOUT, "revocation list", 4 * count + SIGNATURE_SIZE)
        ids = struct.unpack_from(f"<{count}I", payload, cls._LAYOUT.size)
        sig = payload[cls._LAYOUT.size + 4 * count :]
        return cls(issuer, version, issued_at, tuple(ids), sig)
