"""Decoding lock replies and checking that the lock itself signed them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from hardware.protocol._codes import Kind
from hardware.protocol._crypto import PublicKey
from hardware.protocol._frame import FrameError, decode_frame
from hardware.protocol._replies import (
    Accepted,
    Challenge,
    Complete,
    ErrorReport,
    Event,
    LockSigned,
    LogEnd,
    RevocationsStored,
    Status,
)

__all__ = [
    "EventLogVerifier",
    "LockIdentity",
    "Reply",
    "ReplyError",
    "VerifiedLog",
    "decode_reply",
]

Reply = Challenge | Accepted | Complete | ErrorReport | Status | Event | LogEnd | RevocationsStored

_S = TypeVar("_S", bound=LockSigned)

_DECODERS: dict[Kind, type[Reply]] = {
    Kind.CHALLENGE: Challenge,
    Kind.ACCEPTED: Accepted,
    Kind.COMPLETE: Complete,
    Kind.ERROR: ErrorReport,
    Kind.STATUS: Status,
    Kind.EVENT: Event,
    Kind.LOG_END: LogEnd,
    Kind.REVOCATIONS_STORED: RevocationsStored,
}


class ReplyError(ValueError):
    """A reply that is not the lock's own: bad signature, another lock, a broken log."""


def decode_reply(data: bytes) -> Reply:
    """Decode one frame a lock sent (`FrameError` when it is not one)."""
    frame = decode_frame(data)
    decoder = _DECODERS.get(frame.kind)
    if decoder is None:
        raise FrameError(f"frame kind {frame.kind.name} is not a lock reply")
    return decoder.unpack(frame.payload)


@dataclass(frozen=True, slots=True)
class LockIdentity:
    """A lock as the server knows it: its id and the public half of its device key."""

    lock_id: UUID
    """The lock's id (commands name it)."""
    public: PublicKey
    """The key that signs its replies and events."""

    def check(self, reply: _S) -> _S:
        """`reply` when this lock signed it; `ReplyError` otherwise."""
        lock_id = reply.lock_id
        if lock_id != self.lock_id:
            raise ReplyError(f"reply from lock {lock_id}, expected {self.lock_id}")
        if not reply.verifies(self.public):
            raise ReplyError(f"{reply.SIGNED_AS} reply not signed by lock {self.lock_id}")
        return reply


@dataclass(frozen=True, slots=True)
class VerifiedLog:
    """Events of one upload, each checked, in counter order with nothing cut off."""

    events: tuple[Event, ...]
    """The events in (after, last], oldest first."""
    last: int
    """The lock's highest counter at upload (the next upload asks after this)."""
    lost: int
    """Events the lock no longer held (its storage wrapped) between `after` and the first."""
    end: LogEnd
    """The lock-signed end of the upload (relays pass it on with the events)."""

    def frames(self) -> list[bytes]:
        """The upload's frames as the lock sent them, for another verifier downstream."""
        return [*(e.frame() for e in self.events), self.end.frame()]


class EventLogVerifier:
    """Checks an offline-log upload: the lock signed each event and the end, none missing."""

    def __init__(self, identity: LockIdentity) -> None:
        self._identity = identity

    def verify(self, frames: Sequence[bytes], *, after: int, nonce: bytes) -> VerifiedLog:
        """The upload's events; `ReplyError`/`FrameError` when anything does not check."""
        if not frames:
            raise ReplyError("empty log upload")
        *event_frames, end_frame = frames
        end = decode_reply(end_frame)
        if not isinstance(end, LogEnd):
            raise ReplyError("log upload does not end with LOG_END")
        self._identity.check(end)
        if end.nonce != nonce or end.after != after:
            raise ReplyError("LOG_END answers another request")
        events: list[Event] = []
        for data in event_frames:
            event = decode_reply(data)
            if not isinstance(event, Event):
                raise ReplyError(f"unexpected {type(event).__name__} in a log upload")
            self._identity.check(event)
            if events and event.counter != events[-1].counter + 1:
                raise ReplyError(f"event {event.counter} follows {events[-1].counter}")
            if event.counter <= after:
                raise ReplyError(f"event {event.counter} is not after {after}")
            events.append(event)
        expected_last = events[-1].counter if events else after
        if end.last != expected_last:
            raise ReplyError(f"log ends at {end.last}, upload holds events up to {expected_last}")
        lost = events[0].counter - after - 1 if events else 0
        return VerifiedLog(tuple(events), end.last, lost, end)
