"""Messages a lock sends; those the server relies on are signed by the lock's own key."""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from hardware.protocol._codes import Action, DoorState, ErrorCode, EventKind, Kind, LockState
from hardware.protocol._crypto import SIGNATURE_SIZE, PublicKey, SecretKey, sign, verify
from hardware.protocol._frame import FrameError, encode_frame

__all__ = [
    "Accepted",
    "Challenge",
    "Complete",
    "ErrorReport",
    "Event",
    "Firmware",
    "LockSigned",
    "LogEnd",
    "RevocationsStored",
    "Status",
]

NO_REF = bytes(16)
"""The reference of an error report about no command in particular."""


_E = TypeVar("_E", Action, ErrorCode, EventKind, Kind, LockState, DoorState)


def _enum(kind: type[_E], value: int) -> _E:
    try:
        return kind(value)
    except ValueError:
        raise FrameError(f"unknown {kind.__name__} {value}") from None


def _split(payload: bytes, layout: struct.Struct, what: str) -> tuple[tuple[Any, ...], bytes]:
    if len(payload) != layout.size + SIGNATURE_SIZE:
        raise FrameError(f"{what} payload of {len(payload)} bytes")
    return layout.unpack_from(payload), payload[layout.size :]


@dataclass(frozen=True, slots=True)
class Challenge:
    """The lock's fresh nonce for the next command (unsigned: a lie only fails later)."""

    KIND: ClassVar[Kind] = Kind.CHALLENGE
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<16s16sIH")
    lock_id: UUID
    """The lock that issued it."""
    nonce: bytes
    """16 random bytes, single use."""
    lock_time: int
    """The lock's clock, unix seconds (the server sees drift)."""
    ttl: int
    """Seconds the challenge stays usable."""

    def frame(self) -> bytes:
        """The encoded frame."""
        payload = self._LAYOUT.pack(self.lock_id.bytes, self.nonce, self.lock_time, self.ttl)
        return encode_frame(self.KIND, payload)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload."""
        if len(payload) != cls._LAYOUT.size:
            raise FrameError(f"challenge payload of {len(payload)} bytes")
        lock, nonce, lock_time, ttl = cls._LAYOUT.unpack(payload)
        return cls(UUID(bytes=lock), nonce, lock_time, ttl)


@dataclass(frozen=True, slots=True)
class Accepted:
    """First stage of a reply: the command verified and the motor starts."""

    KIND: ClassVar[Kind] = Kind.ACCEPTED
    command_id: UUID
    """The command accepted."""

    def frame(self) -> bytes:
        """The encoded frame."""
        return encode_frame(self.KIND, self.command_id.bytes)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload."""
        if len(payload) != 16:
            raise FrameError(f"accepted payload of {len(payload)} bytes")
        return cls(UUID(bytes=payload))


class LockSigned:
    """Mixin of lock-signed replies: `signed(key)`, `verifies(key)` and the frame."""

    KIND: ClassVar[Kind]
    SIGNED_AS: ClassVar[str]
    lock_id: UUID
    signature: bytes

    def body(self) -> bytes:
        """The signed bytes."""
        raise NotImplementedError

    def signed(self, key: SecretKey) -> Self:
        """A copy signed by the lock's `key`."""
        return replace(self, signature=sign(key, self.SIGNED_AS, self.body()))  # type: ignore[type-var]

    def verifies(self, key: PublicKey) -> bool:
        """Whether the signature is the lock key `key`'s."""
        return verify(key, self.SIGNED_AS, self.body(), self.signature)

    def frame(self) -> bytes:
        """The encoded frame (signature included)."""
        return encode_frame(self.KIND, self.body() + self.signature)


@dataclass(frozen=True, slots=True)
class Complete(LockSigned):
    """Second stage: the lock did it (signed: the device's own confirmation)."""

    KIND: ClassVar[Kind] = Kind.COMPLETE
    SIGNED_AS: ClassVar[str] = "complete"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<16s16s16sBBII")
    lock_id: UUID
    """The lock that acted."""
    command_id: UUID
    """The command (or, for offline keys, the key id in the first 4 bytes) carried out."""
    challenge: bytes
    """The challenge the command answered."""
    action: Action
    """What was done."""
    state: LockState
    """The bolt after it."""
    counter: int
    """The event log number of this action."""
    lock_time: int
    """The lock's clock when done."""
    signature: bytes = b""
    """Ed25519 signature by the lock's key."""

    def body(self) -> bytes:
        """The signed bytes."""
        return self._LAYOUT.pack(
            self.lock_id.bytes,
            self.command_id.bytes,
            self.challenge,
            self.action,
            self.state,
            self.counter,
            self.lock_time,
        )

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (the signature is not checked here)."""
        (lock, cid, challenge, action, state, counter, at), sig = _split(
            payload, cls._LAYOUT, "complete"
        )
        return cls(
            UUID(bytes=lock),
            UUID(bytes=cid),
            challenge,
            _enum(Action, action),
            _enum(LockState, state),
            counter,
            at,
            sig,
        )


@dataclass(frozen=True, slots=True)
class ErrorReport(LockSigned):
    """A refusal with its code, about the request it answers (signed by the lock)."""

    KIND: ClassVar[Kind] = Kind.ERROR
    SIGNED_AS: ClassVar[str] = "error"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<16s16sBBBII")
    lock_id: UUID
    """The lock that refused."""
    ref: bytes
    """The command id refused (16 zero bytes when there is none, e.g. a malformed frame)."""
    request: Kind
    """The kind of frame refused."""
    code: ErrorCode
    """Why, from the shared list."""
    detail: int
    """Code-specific detail (REPLAYED: 1 when the command id succeeded earlier)."""
    counter: int
    """The event log number of the REFUSED entry (0 when none was logged)."""
    lock_time: int
    """The lock's clock."""
    signature: bytes = b""
    """Ed25519 signature by the lock's key."""

    def body(self) -> bytes:
        """The signed bytes."""
        return self._LAYOUT.pack(
            self.lock_id.bytes,
            self.ref,
            self.request,
            self.code,
            self.detail,
            self.counter,
            self.lock_time,
        )

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (the signature is not checked here)."""
        (lock, ref, request, code, detail, counter, at), sig = _split(payload, cls._LAYOUT, "error")
        return cls(
            UUID(bytes=lock),
            ref,
            _enum(Kind, request),
            _enum(ErrorCode, code),
            detail,
            counter,
            at,
            sig,
        )


@dataclass(frozen=True, slots=True)
class Firmware:
    """The lock's firmware version."""

    major: int
    """Incompatible protocol changes."""
    minor: int
    """Compatible additions."""
    patch: int
    """Fixes."""

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True, slots=True)
class Status(LockSigned):
    """The lock's condition, signed and fresh (it echoes the request's nonce)."""

    KIND: ClassVar[Kind] = Kind.STATUS
    SIGNED_AS: ClassVar[str] = "status"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<16s16sBBBBBBHIII")
    _CRITICAL: ClassVar[int] = 0x01
    _TAMPER: ClassVar[int] = 0x02
    lock_id: UUID
    """The lock."""
    nonce: bytes
    """The status request's nonce."""
    battery: int
    """Battery charge, percent (0–100)."""
    critical: bool
    """The lock's own flag: the battery may not drive the motor much longer."""
    tamper: bool
    """The tamper switch tripped since the lock was last serviced."""
    state: LockState
    """The bolt."""
    door: DoorState
    """The door sensor."""
    firmware: Firmware
    """Firmware version."""
    lock_time: int
    """The lock's clock, unix seconds (compare with the server's for drift)."""
    counter: int
    """The highest event log number so far."""
    revocation_version: int
    """The version of the revocation list the lock holds (0: none)."""
    signature: bytes = b""
    """Ed25519 signature by the lock's key."""

    def body(self) -> bytes:
        """The signed bytes."""
        flags = (self._CRITICAL if self.critical else 0) | (self._TAMPER if self.tamper else 0)
        return self._LAYOUT.pack(
            self.lock_id.bytes,
            self.nonce,
            self.battery,
            flags,
            self.state,
            self.door,
            self.firmware.major,
            self.firmware.minor,
            self.firmware.patch,
            self.lock_time,
            self.counter,
            self.revocation_version,
        )

    def values(self) -> dict[str, object]:
        """The status as JSON values, with its signed frame (base64) to check it again."""
        return {
            "battery": self.battery,
            "critical": self.critical,
            "tamper": self.tamper,
            "state": self.state.name.lower(),
            "door": self.door.name.lower(),
            "firmware": str(self.firmware),
            "lock_time": self.lock_time,
            "counter": self.counter,
            "revocation_version": self.revocation_version,
            "frame": base64.b64encode(self.frame()).decode(),
        }

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (the signature is not checked here)."""
        fields, sig = _split(payload, cls._LAYOUT, "status")
        lock, nonce, battery, flags, state, door, major, minor, patch, at, counter, rev = fields
        return cls(
            UUID(bytes=lock),
            nonce,
            battery,
            bool(flags & cls._CRITICAL),
            bool(flags & cls._TAMPER),
            _enum(LockState, state),
            _enum(DoorState, door),
            Firmware(major, minor, patch),
            at,
            counter,
            rev,
            sig,
        )


@dataclass(frozen=True, slots=True)
class Event(LockSigned):
    """One entry of the lock's event log, numbered by its counter and signed by the lock."""

    KIND: ClassVar[Kind] = Kind.EVENT
    SIGNED_AS: ClassVar[str] = "event"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<16sIIBBI16s")
    lock_id: UUID
    """The lock."""
    counter: int
    """Its number: every event gets the next one, never reused, never lower."""
    lock_time: int
    """The lock's clock when it happened."""
    kind: EventKind
    """What happened."""
    code: int
    """REFUSED: the error code; otherwise 0."""
    key_id: int
    """Offline key id for offline opens and their refusals; otherwise 0."""
    subject: bytes
    """16 bytes: the command id, or for offline keys the person's id."""
    signature: bytes = b""
    """Ed25519 signature by the lock's key."""

    def body(self) -> bytes:
        """The signed bytes."""
        return self._LAYOUT.pack(
            self.lock_id.bytes,
            self.counter,
            self.lock_time,
            self.kind,
            self.code,
            self.key_id,
            self.subject,
        )

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (the signature is not checked here)."""
        (lock, counter, at, kind, code, key_id, subject), sig = _split(
            payload, cls._LAYOUT, "event"
        )
        return cls(
            UUID(bytes=lock), counter, at, _enum(EventKind, kind), code, key_id, subject, sig
        )


@dataclass(frozen=True, slots=True)
class LogEnd(LockSigned):
    """Closes a log upload: the lock's highest counter, so nothing can be cut off unseen."""

    KIND: ClassVar[Kind] = Kind.LOG_END
    SIGNED_AS: ClassVar[str] = "log-end"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<16s16sII")
    lock_id: UUID
    """The lock."""
    nonce: bytes
    """The log request's nonce."""
    after: int
    """The request's `after`."""
    last: int
    """The lock's highest counter (the upload held every event in (after, last])."""
    signature: bytes = b""
    """Ed25519 signature by the lock's key."""

    def body(self) -> bytes:
        """The signed bytes."""
        return self._LAYOUT.pack(self.lock_id.bytes, self.nonce, self.after, self.last)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (the signature is not checked here)."""
        (lock, nonce, after, last), sig = _split(payload, cls._LAYOUT, "log end")
        return cls(UUID(bytes=lock), nonce, after, last, sig)


@dataclass(frozen=True, slots=True)
class RevocationsStored(LockSigned):
    """The lock now holds revocation list `version` (signed: proof the list arrived)."""

    KIND: ClassVar[Kind] = Kind.REVOCATIONS_STORED
    SIGNED_AS: ClassVar[str] = "revocations-stored"
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<16sII")
    lock_id: UUID
    """The lock."""
    version: int
    """The version it holds now (a newer one it had stays)."""
    lock_time: int
    """The lock's clock."""
    signature: bytes = b""
    """Ed25519 signature by the lock's key."""

    def body(self) -> bytes:
        """The signed bytes."""
        return self._LAYOUT.pack(self.lock_id.bytes, self.version, self.lock_time)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        """Decode a payload (the signature is not checked here)."""
        (lock, version, at), sig = _split(payload, cls._LAYOUT, "revocations stored")
        return cls(UUID(bytes=lock), version, at, sig)
