"""The protocol's enumerations: frame kinds, actions, states, event kinds and error codes."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Action", "DoorState", "ErrorCode", "EventKind", "Kind", "LockState"]


class Kind(IntEnum):
    """Frame kind: requests from the phone or gateway < 0x80, lock replies ≥ 0x80."""

    CHALLENGE_REQUEST = 0x01
    COMMAND = 0x02
    STATUS_REQUEST = 0x03
    LOG_REQUEST = 0x04
    OFFLINE_OPEN = 0x05
    REVOCATIONS = 0x06
    CHALLENGE = 0x81
    ACCEPTED = 0x82
    COMPLETE = 0x83
    STATUS = 0x84
    EVENT = 0x85
    LOG_END = 0x86
    REVOCATIONS_STORED = 0x87
    ERROR = 0x8E


class Action(IntEnum):
    """What a command asks the lock to do."""

    UNLOCK = 1
    LOCK = 2


class LockState(IntEnum):
    """The bolt or shackle as the lock's own sensor reports it."""

    UNKNOWN = 0
    LOCKED = 1
    UNLOCKED = 2
    JAMMED = 3


class DoorState(IntEnum):
    """The door sensor."""

    UNKNOWN = 0
    CLOSED = 1
    OPEN = 2


class EventKind(IntEnum):
    """An entry of the lock's own event log."""

    UNLOCKED = 1
    LOCKED = 2
    REFUSED = 3
    OFFLINE_UNLOCKED = 4
    DOOR_OPENED = 5
    DOOR_CLOSED = 6
    TAMPER = 7
    JAMMED = 8
    BATTERY_LOW = 9
    REVOCATIONS_UPDATED = 10


class ErrorCode(IntEnum):
    """The one shared list of refusals a lock reports (ERROR frames, REFUSED events)."""

    NOT_AUTHORISED = 1
    """The signature does not verify under a key the lock trusts."""
    BAD_CHALLENGE = 2
    """Not the challenge the lock issued last (or none is outstanding)."""
    STALE_CHALLENGE = 3
    """The challenge was issued longer ago than its time to live."""
    EXPIRED = 4
    """The lock's clock is past the command's or key's not-after (beyond the tolerance)."""
    REPLAYED = 5
    """This command id was carried out already (detail 1: it succeeded then)."""
    WRONG_LOCK = 6
    """The command or key names another lock."""
    TIME_NOT_ALLOWED = 7
    """The lock's clock is before the command's or key's not-before (beyond the tolerance)."""
    TOO_MANY_ATTEMPTS = 8
    """Too many refused attempts lately: the lock refuses everything for a while."""
    MOTOR_BLOCKED = 9
    """The motor could not move the bolt (jammed, or tension on the hasp)."""
    LOW_VOLTAGE = 10
    """The battery is too low to drive the motor."""
    MALFORMED = 11
    """The frame failed its CRC, length or layout."""
    REVOKED = 12
    """The offline key's id is on the revocation list the lock holds."""
