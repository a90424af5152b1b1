"""Bluetooth locks, gateways and remote actions as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas._access import AccessResult
from api.schemas._input import Input

__all__ = [
    "ActionOut",
    "FacilityLockKeyOut",
    "GatewayIn",
    "GatewayOut",
    "LockDeviceIn",
    "LockDeviceOut",
    "LockHealthEventOut",
    "LockHealthOut",
    "RemoteUnlockOut",
]


class GatewayIn(Input):
    """A gateway (hub) on the facility's network; the same name again changes its URL."""

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(pattern=r"^https?://", max_length=300)
    """Its base URL, which the server calls (e.g. `http://10.0.0.5:8091`)."""


class GatewayOut(BaseModel):
    """A registered gateway."""

    id: str
    facility_id: str
    name: str
    url: str
    reachable: bool | None
    """Whether it answered the last poll (None: never polled)."""
    last_seen_at: datetime | None


class LockDeviceIn(Input):
    """A Bluetooth lock as installed: its id and device key (from the lock's label or its
    provisioning), and the gateway in its range. Registering it again updates it."""

    lock_id: str = Field(min_length=36, max_length=36)
    """The lock's UUID."""
    name: str = Field(min_length=1, max_length=100)
    public_key: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-fA-F]{64}$")
    """The public half of its device key, hex."""
    address: str | None = Field(default=None, max_length=17)
    """Bluetooth address."""
    gateway: str | None = Field(default=None, max_length=100)
    """The name or id of the facility's gateway within range (none: phone relay only)."""


class LockHealthOut(BaseModel):
    """A lock's health as last assessed."""

    battery_percent: int | None
    battery: Literal["good", "low", "critical"] | None
    connectivity: Literal["connected", "disconnected", "flaky", "unknown"]
    tamper: bool
    jammed: bool
    clock_drift: int | None
    """Lock clock minus server clock, seconds."""
    advice: list[str]
    """What to do, most urgent first."""


class LockHealthEventOut(BaseModel):
    """A change in a lock's health."""

    at: datetime
    kind: str
    """`battery_low`, `battery_critical`, `disconnected`, `flaky`, `reconnected`, `tamper`,
    `jammed`, `clock_drift`, `recovered`."""
    detail: str
    advice: str | None


class LockDeviceOut(BaseModel):
    """A lock, the door it is on, its gateway, what it last reported and its health."""

    id: str
    name: str
    address: str | None
    public_key: str
    door_id: str | None
    door_name: str | None
    gateway_id: str | None
    gateway_name: str | None
    status: dict[str, Any] | None
    """The last status the lock signed: `battery` %, `state` (locked, unlocked, jammed),
    `door` (open, closed), `tamper`, `firmware`, `lock_time` (its clock)."""
    status_at: datetime | None
    health: LockHealthOut | None
    last_contact_at: datetime | None
    revocation_version: int
    log_counter: int
    """The highest event of its own log the server holds."""
    events: list[LockHealthEventOut]
    """Its recent health events, newest first."""


class FacilityLockKeyOut(BaseModel):
    """The facility's public signing key: what its locks are provisioned to trust."""

    facility_id: str
    key_id: int
    public_key: str
    """Hex (Ed25519)."""
    trust: str
    """`KEY_ID:PUBLIC_HEX`, as `unitgate locks gateway --trust` takes it."""


class ActionOut(BaseModel):
    """A remote action (pending → success | error)."""

    id: str
    facility_id: str
    door_id: str
    lock_id: str
    action: str
    status: Literal["pending", "success", "error"]
    error: str | None
    """`lock_offline`, `gateway_down`, `timeout`, `refused`, `invalid_reply`, `interrupted`."""
    lock_code: str | None
    """The lock's error code when it refused (e.g. `expired`, `motor_blocked`)."""
    confirmed_by_device: bool
    """The lock's own signature over the completion was checked by the server."""
    message: str | None
    decision_id: int | None
    command_id: str
    requested_by: str
    created_at: datetime
    finished_at: datetime | None


class RemoteUnlockOut(AccessResult):
    """The policy's decision and, when allowed, the remote action carrying it out."""

    action: ActionOut | None
    """Poll `GET /v1/actions/{id}` until it is no longer pending (None: refused)."""
