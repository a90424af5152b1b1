"""People and what ties them to units: rentals, key shares, roles, auction grants."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from engine.persistence._types import UTCDateTime, new_id

__all__ = [
    "AuctionGrant",
    "Invitation",
    "KeyShare",
    "Person",
    "Rental",
    "Role",
    "RoleAssignment",
]


class Person(SQLModel, table=True):
    """An account: one person across every company where they rent or work."""

    __tablename__ = "person"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, unique=True)
    mobile: str | None = Field(default=None, max_length=32, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    app_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the person's app last called the API (None: never)."""


class Rental(SQLModel, table=True):
    """A tenant's lease of a unit as the PMS reports it; ended by a PMS vacate."""

    __tablename__ = "rental"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    pms_tenant_ref: str | None = Field(default=None, max_length=100)
    pms_rental_ref: str | None = Field(default=None, max_length=100)
    """The PMS's own id for this rental (ledger); a new id means a new rental."""
    lease_start: date = Field(sa_type=Date)
    pms_status: str = Field(default="occupied", max_length=32)
    mobile: str | None = Field(default=None, max_length=32)
    """The PMS mobile field, or its primary phone when the PMS has no mobile field."""
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    access_group_id: str | None = Field(default=None, foreign_key="access_group.id")
    access_level_id: str | None = Field(default=None, max_length=36)
    """An `access_level` the tenant holds besides the facility's (the PMS's access-level
    name). No foreign key: SQLite would rebuild the rental table to add one; a level is
    never deleted while a rental points at it (engine.levels)."""
    around_the_clock: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    """The tenant's 24/7 override: their levels' schedules do not apply (areas still do)."""
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class KeyShare(SQLModel, table=True):
    """A digital key a tenant shares with another person, optionally expiring."""

    __tablename__ = "key_share"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=36)
    rental_id: str = Field(foreign_key="rental.id", index=True, max_length=36)
    grantee_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    grantee_label: str | None = Field(default=None, max_length=254)
    """What the tenant called the grantee: the name they gave, else the email or mobile they
    typed. Shown instead of the account's own name, which the tenant may not know."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=200)


class Role(SQLModel, table=True):
    """A named set of permissions within one company."""

    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("company_id", "name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    permissions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class RoleAssignment(SQLModel, table=True):
    """An employee holds a role at one facility, or at every facility (facility_id NULL)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role_id", "facility_id"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    role_id: str = Field(foreign_key="role.id", index=True, max_length=36)
    facility_id: str | None = Field(default=None, foreign_key="facility.id", max_length=36)


class AuctionGrant(SQLModel, table=True):
    """Access to a unit in auction for its winner or a clean-out employee, in a window."""

    __tablename__ = "auction_grant"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=36)
    kind: str = Field(max_length=16)
    """`winner` or `cleanout`."""
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=200)


class Invitation(SQLModel, table=True):
    """An invitation to work for a company with some roles; accepted once, before it expires."""

    __tablename__ = "invitation"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=36)
    email: str = Field(max_length=254)
    """Lowercase; the account with this email accepts (a new one is made if there is none)."""
    name: str = Field(max_length=200)
    """The name for a new account (an existing account keeps its own)."""
    roles: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    """`[{"role_id": ..., "facility_id": ... or None}]`: what accepting assigns."""
    code_hash: str = Field(max_length=64, unique=True)
    """SHA-256 (hex) of the single-use code; the code itself is never stored."""
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    person_id: str | None = Field(default=None, foreign_key="person.id", max_length=36)
    """The account that accepted."""
