"""Bodies of the alert, alert webhook and on-site routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas._input import Input

__all__ = ["AlertActionIn", "AlertOut", "AlertWebhookIn", "AlertWebhookOut", "OnSiteOut"]

AlertStatus = Literal["open", "acknowledged", "resolved"]


class AlertOut(BaseModel):
    """One incident an alert rule raised, with what people did about it."""

    id: int
    facility_id: str
    rule: str
    kind: str
    severity: Literal["info", "warning", "critical"]
    subject: str
    """`person:<id>`, `door:<id>` or `lock:<id>`."""
    person_id: str | None
    door_id: str | None
    lock_id: str | None
    summary: str
    first_seen: datetime
    last_seen: datetime
    count: int
    """Events counted into this incident, the first included."""
    status: AlertStatus
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    note: str | None


class AlertActionIn(Input):
    """An optional note with an acknowledgement or resolution (kept in the audit log)."""

    note: str | None = Field(default=None, min_length=1, max_length=500)


class AlertWebhookIn(Input):
    """Where the facility's alerts are POSTed; without a secret a new one is made."""

    url: str = Field(pattern=r"^https?://[^\s]+$", max_length=300)
    secret: str | None = Field(default=None, min_length=16, max_length=128)
    """The HMAC-SHA256 signing secret (shown once when unitgate makes it)."""


class AlertWebhookOut(BaseModel):
    """The facility's alert webhook, without its secret."""

    facility_id: str
    url: str
    fingerprint: str
    """First 12 hex digits of the secret's SHA-256, to tell secrets apart."""
    updated_at: datetime
    updated_by: str
    secret: str | None = None
    """Only in the answer that made the secret."""


class OnSiteOut(BaseModel):
    """A person inside the facility now, by the counted gates."""

    person_id: str
    name: str
    since: datetime
    """Their last entry."""
    door_id: str
    door_name: str
