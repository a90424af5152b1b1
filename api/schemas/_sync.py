"""PMS sync as the portal drives it: resolving conflicts, per-company webhook secrets."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas._input import Input

__all__ = ["ConflictResolveIn", "NewWebhookSecret", "WebhookSecretIn", "WebhookSecretOut"]


class ConflictResolveIn(Input):
    """A person's resolution of a sync conflict."""

    note: str = Field(min_length=1, max_length=500)
    """What was decided and why (kept with the conflict and in the audit log)."""


class WebhookSecretIn(Input):
    """A new webhook secret for the caller's company."""

    overlap_hours: int = Field(default=24, ge=0, le=720)
    """How long the older secrets keep verifying, for the PMS to switch (0: stop at once)."""


class WebhookSecretOut(BaseModel):
    """A webhook secret of the company, without its value."""

    id: int
    company_id: str
    fingerprint: str | None
    """First 12 hex digits of the secret's SHA-256, to tell secrets apart (None: erased
    after it retired)."""
    created_at: datetime
    created_by: str
    retires_at: datetime | None
    """When it stops verifying pushes (None: until a newer secret is created)."""
    verifying: bool
    """Whether pushes signed with it are accepted now."""


class NewWebhookSecret(WebhookSecretOut):
    """A secret just created: the only time its value is shown."""

    secret: str
    """Give it to the PMS with the company id; it signs `v2` webhooks (specs/pms-api.md)."""
