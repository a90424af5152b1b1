"""The lock protocol, pure: framing, codec, crypto, challenge and counter rules. No I/O.

`specs/lock-protocol.md` is the contract; `specs/lock-protocol-vectors.json` its bytes.

Service-facing entry points (the server's side of a relay):
- `CommandIssuer(FacilityKey).issue(lock_id, action, challenge, not_before, not_after,
  command_id) -> bytes`: the signed COMMAND frame for one lock's challenge.
- `OfflineKeyIssuer(FacilityKey, zone).issue(...) -> OfflineKey`: valid to the end of the
  facility's local day at most; `RevocationIssuer.issue(version, issued_at, key_ids)`.
- `LockIdentity(lock_id, public).check(reply)` and `EventLogVerifier(identity).verify(
  frames, after=, nonce=)`: accept only what that lock signed, with no event missing.
"""

from hardware.protocol._codes import Action, DoorState, ErrorCode, EventKind, Kind, LockState
from hardware.protocol._crc import crc16
from hardware.protocol._crypto import SIGNATURE_SIZE, PublicKey, SecretKey, domain, sign, verify
from hardware.protocol._frame import (
    MAX_NOTIFY_FRAME,
    MAX_WRITE_FRAME,
    VERSION,
    Frame,
    FrameError,
    decode_frame,
    encode_frame,
)
from hardware.protocol._issue import (
    CommandIssuer,
    FacilityKey,
    OfflineKeyIssuer,
    RevocationIssuer,
    TrustedKey,
    end_of_local_day,
)
from hardware.protocol._replies import (
    Accepted,
    Challenge,
    Complete,
    ErrorReport,
    Event,
    Firmware,
    LockSigned,
    LogEnd,
    RevocationsStored,
    Status,
)
from hardware.protocol._requests import (
    MAX_OFFLINE_LOCKS,
    MAX_REVOKED_IDS,
    NONCE_SIZE,
    ChallengeRequest,
    Command,
    LogRequest,
    OfflineKey,
    OfflineOpen,
    Revocations,
    StatusRequest,
)
from hardware.protocol._rules import (
    CHALLENGE_TTL,
    CLOCK_TOLERANCE,
    LOCKOUT_ATTEMPTS,
    LOCKOUT_SECONDS,
    LOCKOUT_WINDOW,
    AttemptLimiter,
    ChallengeSlot,
    Counter,
    ExecutedIds,
    check_window,
)
from hardware.protocol._uuids import COMMAND_CHAR_UUID, LOCK_SERVICE_UUID, REPLY_CHAR_UUID
from hardware.protocol._verify import (
    EventLogVerifier,
    LockIdentity,
    Reply,
    ReplyError,
    VerifiedLog,
    decode_reply,
)

__all__ = [
    "CHALLENGE_TTL",
    "CLOCK_TOLERANCE",
    "COMMAND_CHAR_UUID",
    "LOCKOUT_ATTEMPTS",
    "LOCKOUT_SECONDS",
    "LOCKOUT_WINDOW",
    "LOCK_SERVICE_UUID",
    "MAX_NOTIFY_FRAME",
    "MAX_OFFLINE_LOCKS",
    "MAX_REVOKED_IDS",
    "MAX_WRITE_FRAME",
    "NONCE_SIZE",
    "REPLY_CHAR_UUID",
    "SIGNATURE_SIZE",
    "VERSION",
    "Accepted",
    "Action",
    "AttemptLimiter",
    "Challenge",
    "ChallengeRequest",
    "ChallengeSlot",
    "Command",
    "CommandIssuer",
    "Complete",
    "Counter",
    "DoorState",
    "ErrorCode",
    "ErrorReport",
    "Event",
    "EventKind",
    "EventLogVerifier",
    "ExecutedIds",
    "FacilityKey",
    "Firmware",
    "Frame",
    "FrameError",
    "Kind",
    "LockIdentity",
    "LockSigned",
    "LockState",
    "LogEnd",
    "LogRequest",
    "OfflineKey",
    "OfflineKeyIssuer",
    "OfflineOpen",
    "PublicKey",
    "Reply",
    "ReplyError",
    "RevocationIssuer",
    "Revocations",
    "RevocationsStored",
    "SecretKey",
    "Status",
    "StatusRequest",
    "TrustedKey",
    "VerifiedLog",
    "check_window",
    "crc16",
    "decode_frame",
    "decode_reply",
    "domain",
    "encode_frame",
    "end_of_local_day",
    "sign",
    "verify",
]
