"""Activations (seed 000): an employee's view of one, and the app's redeem."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from api.schemas._input import Input

__all__ = ["ActivationMessageOut", "ActivationOut", "RedeemIn", "RedeemOut"]


class ActivationMessageOut(BaseModel):
    """The latest activation message, as the outbox has it."""

    id: str
    channel: str
    recipient: str | None
    status: str
    """`queued`, `sent`, `delivered`, `undelivered`, `failed`, `given_up` or `undeliverable`."""
    status_reason: str | None
    created_at: datetime
    sent_at: datetime | None


class ActivationOut(BaseModel):
    """A rental's activation: when it is due, where it went, whether it was redeemed."""

    id: str
    rental_id: str
    unit_id: str
    person_id: str
    status: str
    """`scheduled` (due on `due_on`, the facility's local date), `sent`, `existing_account`
    (the tenant's app shows the unit: no code needed) or `cancelled` (the rental ended)."""
    due_on: date
    channel: str | None
    recipient: str | None
    sends: int
    last_sent_at: datetime | None
    expires_at: datetime | None
    redeemed_at: datetime | None
    attempts_left: int
    """Wrong codes the tenant may still try before a resend is needed."""
    route_problem: str | None
    """Why the tenant's contact fields give no usable route now (None: they do)."""
    message: ActivationMessageOut | None


class RedeemIn(Input):
    """An activation code or temporary PIN with the contact it was sent to, or with the
    app link's `a` token."""

    code: str = Field(min_length=4, max_length=12)
    contact: str | None = Field(default=None, min_length=3, max_length=254)
    """The email or phone number (E.164, `+14155552671`) the code was sent to."""
    link: str | None = Field(default=None, min_length=3, max_length=60)
    """The `a` parameter of the app link in the message."""

    @model_validator(mode="after")
    def _one_of(self) -> RedeemIn:
        if (self.contact is None) == (self.link is None):
            raise ValueError("give `contact` or `link`")
        return self


class RedeemOut(BaseModel):
    """The tenant's bearer token: send it as `Authorization: Bearer <token>`."""

    token: str
    person_id: str
    company_id: str
    facility_id: str
    expires_at: datetime
