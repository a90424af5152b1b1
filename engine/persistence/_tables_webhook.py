"""PMS webhook secrets (per company, rotating) and the tally of refused pushes not kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from engine.persistence._types import UTCDateTime

__all__ = ["PmsRefusalTally", "PmsWebhookSecret"]


class PmsWebhookSecret(SQLModel, table=True):
    """A secret one company's PMS signs webhooks with; verifies until `retires_at`.

    Creating a new secret sets the older ones' `retires_at` (the rotation's overlap), so
    the PMS can switch over without a push being refused.
    """

    __tablename__ = "pms_webhook_secret"
    id: int | None = Field(default=None, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=36)
    secret: str = Field(max_length=128)
    """The HMAC key (shown once, when created; never by the API again)."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    """Who created it: `person:<id>` through the API, `cli` from `unitgate pms secret`."""
    retires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """From then on it no longer verifies (None: until a newer secret is created)."""


class PmsRefusalTally(SQLModel, table=True):
    """Badly signed pushes to a facility that were refused and not kept (over the limit).

    The row is also the lock that makes the limit exact: refusals of a facility take it
    before counting what was kept recently.
    """

    __tablename__ = "pms_refusal_tally"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    dropped: int = Field(default=0, sa_type=BigInteger)
    """Refused pushes only counted, since the facility's first."""
    last_dropped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_address: str | None = Field(default=None, max_length=64)
    """Where the last of those came from."""
