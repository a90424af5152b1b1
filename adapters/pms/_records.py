"""The PMS record format (one unit's rental as the PMS holds it) and its lifecycle event.

A record states the whole truth about one unit at one of its sequence numbers, so applying
the newest one is enough and repeats change nothing (DESIGN invariant 12). The JSON API, the
CSV export and webhooks all carry this record; `specs/pms-api.md` documents it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.domain import LifecycleEvent, refuse_nul
from engine.units import PmsEvent, PmsTenant

__all__ = ["Delinquency", "PmsRecord", "UnitStatus", "to_event"]


class UnitStatus(StrEnum):
    """Whether the PMS has the unit rented."""

    VACANT = "vacant"
    OCCUPIED = "occupied"


class Delinquency(StrEnum):
    """The PMS's delinquency stage of a rental (`late` restricts nothing yet)."""

    NONE = "none"
    LATE = "late"
    GATELOCK = "gatelock"
    OVERLOCK = "overlock"


_EVENT = {
    Delinquency.NONE: LifecycleEvent.CURRENT,
    Delinquency.LATE: LifecycleEvent.CURRENT,
    Delinquency.GATELOCK: LifecycleEvent.DELINQUENT_GATE,
    Delinquency.OVERLOCK: LifecycleEvent.DELINQUENT_OVER,
}


class PmsRecord(BaseModel):
    """One unit as the PMS holds it at sequence number `seq`."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    unit_ref: str = Field(min_length=1, max_length=100)
    """The PMS's id of the unit (`Unit.pms_ref`)."""
    seq: int = Field(ge=1, le=2**62)
    """Increases with every change the PMS makes to this unit."""
    status: UnitStatus
    delinquency: Delinquency = Delinquency.NONE
    tenant_ref: str | None = Field(default=None, max_length=100)
    rental_ref: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    mobile: str | None = Field(default=None, max_length=32)
    """The tenant's mobile number; empty in many PMS records (then `phone` is used)."""
    phone: str | None = Field(default=None, max_length=32)
    """The primary phone number."""
    lease_start: date | None = None
    access_level: str | None = Field(default=None, max_length=100)
    """The PMS's access-level name of the rental (SiteLink/storEDGE "gate access level"),
    mapped onto one of the facility's access levels by its `pms_names`; empty clears the
    rental's level, absent leaves it as it is."""
    changed_at: datetime | None = None
    """When the PMS made this change (sync lag is measured from it)."""

    _no_nul = field_validator("*", mode="after")(refuse_nul)

    @model_validator(mode="after")
    def _occupied_needs_a_tenant(self) -> PmsRecord:
        if self.status is UnitStatus.OCCUPIED:
            missing = [f for f in ("tenant_ref", "lease_start") if not getattr(self, f)]
            if missing:
                raise ValueError(f"an occupied unit needs {' and '.join(missing)}")
        return self

    @property
    def event(self) -> LifecycleEvent:
        """The lifecycle event this record states for its unit."""
        return (
            LifecycleEvent.VACATE if self.status is UnitStatus.VACANT else _EVENT[self.delinquency]
        )

    @property
    def contact_mobile(self) -> str | None:
        """The number texts go to: the mobile field, else the primary phone."""
        return self.mobile or self.phone or None


def to_event(record: PmsRecord, unit_id: str) -> PmsEvent:
    """The lifecycle event `record` states for our unit `unit_id`."""
    if record.event is LifecycleEvent.VACATE:
        return PmsEvent(unit_id, record.seq, record.event)
    # INVARIANT: the validator guarantees tenant_ref and lease_start for occupied units.
    assert record.tenant_ref is not None
    assert record.lease_start is not None
    name = " ".join(p for p in (record.first_name, record.last_name) if p) or record.tenant_ref
    tenant = PmsTenant(
        tenant_ref=record.tenant_ref,
        name=name,
        lease_start=record.lease_start,
        email=record.email or None,
        mobile=record.contact_mobile,
        phone=record.phone or None,
        rental_ref=record.rental_ref,
    )
    return PmsEvent(unit_id, record.seq, record.event, tenant)
