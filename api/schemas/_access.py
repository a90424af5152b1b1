"""Access requests, decisions, unlock authorisations and explanations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas._input import Input
from engine.domain import Channel

__all__ = [
    "AccessRequestIn",
    "AccessResult",
    "DoorAccess",
    "EvaluatedRequest",
    "ExplainIn",
    "ExplainOut",
    "RemoteUnlockIn",
    "UnlockAuthorization",
]


class AccessRequestIn(Input):
    """How the person is trying to open the door."""

    channel: Literal["phone_relay", "keypad"] = "phone_relay"
    """`phone_relay` (the app over Bluetooth) or `keypad`; remote unlock has its own route."""


class RemoteUnlockIn(Input):
    """Why an employee unlocks a door remotely (shown in the tenant's activity feed)."""

    reason: str = Field(min_length=3, max_length=300)


class UnlockAuthorization(BaseModel):
    """What the lock layer turns into a command signed for the lock's fresh challenge."""

    decision_id: int
    door_id: str
    lock_ref: str | None
    channel: Channel
    expires_at: datetime


class AccessResult(BaseModel):
    """The decision at a door: allowed with an unlock authorisation, or a reason to act on."""

    decision_id: int
    allowed: bool
    reason: str
    """For the person at the door: why, and what they can do."""
    rule: str | None
    """The policy rule that decided (none: nothing permits, deny by default)."""
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
    rule: str | None


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
    matched: list[str]


class ExplainOut(BaseModel):
    """Why the person would be let in or not, request by request."""

    allowed: bool
    rule: str | None
    reason: str
    policy_version: str
    at: datetime
    requests: list[EvaluatedRequest]
