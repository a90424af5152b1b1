"""Access requests, decisions, unlock authorisations and explanations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas._input import Input
from engine.domain import Channel, DenialReason

__all__ = [
    "AccessRequestIn",
    "AccessResult",
    "DoorAccess",
    "EvaluatedRequest",
    "ExplainIn",
    "ExplainOut",
    "OfflineKeyIn",
    "OfflineKeyIssued",
    "OfflineKeyOut",
    "RemoteUnlockIn",
    "RevocationListOut",
    "UnlockAuthorization",
]


class AccessRequestIn(Input):
    """How the person is trying to open the door."""

    channel: Literal["phone_relay", "keypad"] = "phone_relay"
    """`phone_relay` (the app over Bluetooth) or `keypad`; remote unlock has its own route."""
    challenge: str | None = Field(default=None, min_length=4, max_length=200)
    """The lock's CHALLENGE frame as the phone received it over Bluetooth, base64: when
    allowed, the answer carries the COMMAND signed for it (specs/lock-protocol.md)."""


class RemoteUnlockIn(Input):
    """Why an employee unlocks a door remotely (shown in the tenant's activity feed)."""

    reason: str = Field(min_length=3, max_length=300)


class UnlockAuthorization(BaseModel):
    """An allowed decision's authorisation; with the lock's challenge, the signed command."""

    decision_id: int
    door_id: str
    lock_ref: str | None
    channel: Channel
    expires_at: datetime
    """The end of the decision's window (30 s after it)."""
    command: str | None = None
    """The COMMAND frame signed for the challenge sent, base64: the phone writes it to the
    lock. None when no challenge was sent."""
    command_id: UUID | None = None
    lock_id: str | None = None
    """The lock the command is for."""
    not_before: datetime | None = None
    """The command's window, the decision's: the lock refuses it outside (to the second)."""
    not_after: datetime | None = None


class AccessResult(BaseModel):
    """The decision at a door: allowed with an unlock authorisation, or a reason to act on."""

    decision_id: int
    allowed: bool
    reason: str
    """For the person at the door: why, and what they can do."""
    rule: str | None
    """The policy rule that decided (none: nothing permits, deny by default)."""
    reason_code: DenialReason | None
    """The denial's stable code (none when allowed); the reason's wording may change."""
    policy_version: str
    at: datetime
    authorization: UnlockAuthorization | None


class DoorAccess(BaseModel):
    """Whether a door would open for the caller now, and why (a preview; nothing logged)."""

    door_id: str
    name: str
    kind: str
    allowed: bool
    reason: str
    """Why it would not open now (or why it would)."""
    rule: str | None
    reason_code: DenialReason | None
    """The denial's stable code (none when allowed); the reason's wording may change."""


class ExplainIn(Input):
    """Whose request at this door to explain."""

    person_id: str = Field(min_length=1, max_length=36)
    role: Literal["tenant", "shared_user", "auction_winner", "employee"] = "tenant"
    """As whom the person would ask: an app role, or `employee` (their roles' permissions)."""
    channel: Channel = Channel.PHONE_RELAY


class EvaluatedRequest(BaseModel):
    """One request the policy is asked, its decision and every rule that matched it."""

    via: str
    unit_id: str | None
    request: dict[str, object]
    allowed: bool
    rule: str | None
    reason: str
    reason_code: DenialReason | None
    """The denial's stable code (none when allowed); the reason's wording may change."""
    matched: list[str]


class ExplainOut(BaseModel):
    """Why the person would be let in or not, request by request."""

    allowed: bool
    rule: str | None
    reason: str
    reason_code: DenialReason | None
    """The denial's stable code (none when allowed); the reason's wording may change."""
    policy_version: str
    at: datetime
    requests: list[EvaluatedRequest]


class OfflineKeyIn(Input):
    """A phone asking for an offline key at a facility (opens by Bluetooth alone)."""

    facility_id: str = Field(min_length=1, max_length=36)
    phone_public_key: str = Field(min_length=43, max_length=64)
    """The phone's Ed25519 public key (32 bytes), hex or base64: the phone signs each
    opening with its secret half."""


class OfflineKeyOut(BaseModel):
    """An offline key: the locks it opens and until when (the local day's end at most)."""

    key_id: int
    facility_id: str
    person_id: str
    locks: list[str]
    unit_ids: list[str]
    """The units whose rights it came from: one losing access revokes it."""
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None


class OfflineKeyIssued(OfflineKeyOut):
    """A key just issued, with the signed credential (shown once)."""

    credential: str
    """The signed key, base64, as the phone presents it to the lock."""
    door_ids: list[str]
    """The doors whose locks it opens."""


class RevocationListOut(BaseModel):
    """The facility's signed list of revoked offline keys: phones and gateways push it to
    locks, which then refuse those keys (a lock keeps the newest version it saw)."""

    facility_id: str
    version: int
    key_ids: list[int]
    """Revoked keys not yet expired."""
    issued_at: datetime
    frame: str
    """The REVOCATIONS frame, base64, as written to a lock."""
