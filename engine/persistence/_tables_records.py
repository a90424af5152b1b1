"""What happened: transitions, access decisions, sync conflicts and the audit chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import PMS_SEQ, UTCDateTime

__all__ = [
    "AccessDecisionRecord",
    "AuditChain",
    "AuditEntry",
    "AuditHead",
    "AuditRegistry",
    "SyncConflict",
    "TransitionRecord",
]


class TransitionRecord(SQLModel, table=True):
    """One accepted lifecycle event: who, why, source and PMS sequence number."""

    __tablename__ = "transition_record"
    __table_args__ = (
        Index("ix_transition_record_audit_seq", "facility_id", "audit_seq", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    event: str = Field(max_length=32)
    source: str = Field(max_length=16)
    actor: str = Field(max_length=100)
    reason: str | None = Field(default=None, max_length=500)
    from_state: str = Field(max_length=32)
    to_state: str = Field(max_length=32)
    pms_status: str = Field(max_length=32)
    pms_seq: int | None = Field(default=None, sa_type=PMS_SEQ)
    unit_version: int
    """The unit's version after this transition."""
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    audit_seq: int | None = Field(default=None)
    """The `seq` of its entry in the facility's chain, which verification compares it with."""


class AccessDecisionRecord(SQLModel, table=True):
    """One access decision at a door with the rule and policy version that made it."""

    __tablename__ = "access_decision"
    __table_args__ = (
        Index("ix_access_decision_audit_seq", "facility_id", "audit_seq", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    door_id: str = Field(foreign_key="door.id", index=True, max_length=36)
    unit_id: str | None = Field(default=None, foreign_key="unit.id", index=True, max_length=36)
    person_id: str | None = Field(default=None, foreign_key="person.id", max_length=36)
    principal_kind: str = Field(max_length=32)
    channel: str = Field(max_length=32)
    allowed: bool
    deciding_rule: str | None = Field(default=None, max_length=100)
    reason: str = Field(max_length=500)
    reason_code: str | None = Field(default=None, max_length=40)
    """The denial's `DenialReason` (None when allowed), beside the human reason."""
    policy_version: str = Field(max_length=80)
    note: str | None = Field(default=None, max_length=300)
    """Why an employee unlocked remotely; shown in the tenant's activity feed."""
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    audit_seq: int | None = Field(default=None)
    """The `seq` of its entry in the facility's chain, which verification compares it with."""


class SyncConflict(SQLModel, table=True):
    """A PMS event that was recorded for a person to resolve instead of being applied."""

    __tablename__ = "sync_conflict"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    event: str = Field(max_length=32)
    pms_seq: int | None = Field(default=None, sa_type=PMS_SEQ)
    detail: str = Field(max_length=500)
    at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the conflict closed (None: open, waiting for a person)."""
    resolved_by: str | None = Field(default=None, max_length=100)
    """`pms` when a later PMS record closed it, else the employee (`person:<id>`)."""
    resolution: str | None = Field(default=None, max_length=500)
    """Why it closed: the PMS record that resolved it, or the employee's note."""
    resolved_pms_seq: int | None = Field(default=None, sa_type=PMS_SEQ)
    """The sequence number of the PMS record that closed it (None: closed by a person)."""


class AuditEntry(SQLModel, table=True):
    """One entry of a facility's append-only, hash-chained audit log."""

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("facility_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    facility_id: str = Field(foreign_key="facility.id", max_length=36)
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=40)
    actor: str = Field(max_length=100)
    subject: str = Field(max_length=100, index=True)
    payload: str = Field(sa_type=Text)
    """Canonical JSON of what happened."""
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    mac: str = Field(max_length=64)
    """HMAC-SHA256 of `hash` under the deployment's audit key."""


class AuditHead(SQLModel, table=True):
    """The last entry of each facility's chain; appends lock this row."""

    __tablename__ = "audit_head"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    seq: int = Field(default=0)
    hash: str = Field(max_length=64)
    mac: str | None = Field(default=None, max_length=64)
    """HMAC-SHA256 of the head (facility, seq, hash) under the audit key; None until sealed."""


class AuditChain(SQLModel, table=True):
    """The registry of chains that must exist: a row per facility chain, written with its
    first entry (or when `db upgrade` sealed a chain older than the registry)."""

    __tablename__ = "audit_chain"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    ordinal: int = Field(unique=True)
    """Its place in the registry: chains are numbered 1, 2, ... as they are registered."""
    first_hash: str = Field(max_length=64)
    """The hash of the chain's entry #1: a chain deleted and started again has another."""
    registered_at: datetime = Field(sa_type=UTCDateTime)
    """When the chain was registered (its first entry's time, or when it was sealed)."""
    sealed_seq: int | None = Field(default=None)
    """The chain's last entry when `db upgrade` sealed it; None: registered with entry #1."""
    mac: str = Field(max_length=64)
    """HMAC-SHA256 of the row's other columns under the audit key."""


class AuditRegistry(SQLModel, table=True):
    """The registry's head (one row): how many chains are registered, authenticated, so a
    registry row removed is missed; chain creation locks it."""

    __tablename__ = "audit_registry"
    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    chains: int
    """How many chains are registered (the registry's ordinals run 1 to this)."""
    mac: str = Field(max_length=64)
    """HMAC-SHA256 of the count under the audit key."""
