"""Bluetooth locks as the server knows them: facility signing keys, locks, gateways, remote
actions, offline keys, the locks' own event logs and their health events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import BIG_ID, UTCDateTime, new_id

__all__ = [
    "FacilityLockKey",
    "LockAction",
    "LockDevice",
    "LockEventRecord",
    "LockGateway",
    "LockHealthEvent",
    "OfflineKeyRecord",
]


class FacilityLockKey(SQLModel, table=True):
    """The facility's Ed25519 signing key: its locks trust the public half (provisioned at
    install); commands, offline keys and revocation lists are signed with it."""

    __tablename__ = "facility_lock_key"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    key_id: int = Field(default=1)
    """The id commands carry so a lock picks the right trusted key."""
    seed: str = Field(max_length=64)
    """The 32-byte Ed25519 seed, hex (a secret: never in an API answer)."""
    public: str = Field(max_length=64)
    """The public key, hex (what locks are provisioned with)."""
    revocation_version: int = Field(default=0)
    """Bumped by every revocation of an offline key; the signed list carries it."""
    created_at: datetime = Field(sa_type=UTCDateTime)


class LockGateway(SQLModel, table=True):
    """A gateway (hub) on the facility's network, holding Bluetooth links to its locks."""

    __tablename__ = "lock_gateway"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    url: str = Field(max_length=300)
    """Its base URL (the server calls it)."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When it last answered (None: never)."""
    reachable: bool | None = Field(default=None)
    """Whether it answered the last poll (None: never polled)."""


class LockDevice(SQLModel, table=True):
    """One Bluetooth lock: its id (what commands name and `door.lock_ref` holds), its device
    key, the gateway in range, and what was last seen of it."""

    __tablename__ = "lock_device"
    id: str = Field(primary_key=True, max_length=36)
    """The lock's UUID, as the lock reports it."""
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    address: str | None = Field(default=None, max_length=17)
    """Bluetooth address (None: not known)."""
    public_key: str = Field(max_length=64)
    """The public half of its device key, hex: verifies its replies, status and logs."""
    gateway_id: str | None = Field(default=None, foreign_key="lock_gateway.id", max_length=36)
    """The gateway within range (None: phone relay only)."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    status: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    """The last status the lock signed (battery, lock and door state, tamper, firmware,
    its clock), as JSON."""
    status_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the server received that status."""
    last_contact_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the lock last answered anyone the server heard from."""
    tries: list[bool] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The last polls (True: the lock answered), newest last, at most 50."""
    health: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    """The health last assessed (battery level, connectivity, tamper, jammed, drift, advice)."""
    revocation_version: int = Field(default=0)
    """The revocation list version the lock confirmed holding."""
    log_counter: int = Field(default=0, sa_type=BIG_ID)
    """The highest event counter of its log that the server holds."""
    poll_lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """A poller's lease on the lock (several processes share the polling)."""


class LockAction(SQLModel, table=True):
    """A remote action through a gateway (Seam's shape): pending → success | error."""

    __tablename__ = "lock_action"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    door_id: str = Field(foreign_key="door.id", index=True, max_length=36)
    lock_id: str = Field(foreign_key="lock_device.id", max_length=36)
    command_id: str = Field(unique=True, max_length=36)
    """The command's id: a retried relay carries it and the lock never acts twice."""
    action: str = Field(default="unlock", max_length=16)
    decision_id: int | None = Field(default=None, foreign_key="access_decision.id")
    """The policy decision that allowed it."""
    requested_by: str = Field(max_length=100)
    status: str = Field(default="pending", max_length=16)
    """`pending`, `success` or `error`."""
    error: str | None = Field(default=None, max_length=32)
    """`lock_offline`, `gateway_down`, `timeout`, `refused`, `invalid_reply`, `interrupted`."""
    lock_code: str | None = Field(default=None, max_length=32)
    """The lock's error code when it refused."""
    confirmed_by_device: bool = Field(default=False)
    """The lock's own signature over the completion was checked by the server."""
    message: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OfflineKeyRecord(SQLModel, table=True):
    """A digital key a phone downloaded: opens its locks by Bluetooth alone until it ends."""

    __tablename__ = "offline_key"
    id: int | None = Field(default=None, primary_key=True)
    """The key id the lock checks against revocation lists (32 bits)."""
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    phone_public: str = Field(max_length=64)
    """The phone's Ed25519 public key, hex: the phone signs each open with its secret half."""
    locks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The lock ids it opens."""
    unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The units whose rights it came from (a unit losing access revokes it)."""
    not_before: datetime = Field(sa_type=UTCDateTime)
    not_after: datetime = Field(sa_type=UTCDateTime)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoke_reason: str | None = Field(default=None, max_length=200)


class LockEventRecord(SQLModel, table=True):
    """One event of a lock's own log, uploaded later: lands once by the lock's counter."""

    __tablename__ = "lock_event"
    __table_args__ = (UniqueConstraint("lock_id", "counter"),)
    id: int | None = Field(default=None, primary_key=True)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    lock_id: str = Field(foreign_key="lock_device.id", max_length=36)
    counter: int = Field(sa_type=BIG_ID)
    """The lock's event counter (never goes back)."""
    kind: str = Field(max_length=32)
    at: datetime = Field(sa_type=UTCDateTime)
    """When it happened, by the lock's clock."""
    person_id: str | None = Field(default=None, max_length=36)
    """Whose key or command it was, when the server can tell."""
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(sa_type=UTCDateTime)
    via: str = Field(max_length=16)
    """`gateway` or `phone`: who uploaded it."""
    audit_seq: int | None = Field(default=None, sa_type=BIG_ID)
    """Its entry in the facility's audit chain."""


class LockHealthEvent(SQLModel, table=True):
    """A change in a lock's health: battery low, disconnected, tamper, jammed, drift..."""

    __tablename__ = "lock_health_event"
    id: int | None = Field(default=None, primary_key=True)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    lock_id: str = Field(foreign_key="lock_device.id", index=True, max_length=36)
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=32)
    """`battery_low`, `battery_critical`, `disconnected`, `flaky`, `reconnected`, `tamper`,
    `jammed`, `clock_drift`, `recovered`."""
    detail: str = Field(max_length=300)
    advice: str | None = Field(default=None, max_length=300)
