"""Portal lien actions: bodies for each, with the fields their guards need."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field, model_validator

from api.schemas._input import Input
from api.schemas._time import ApiTime, OptionalApiTime

__all__ = ["CleanoutIn", "EmergencyIn", "LienIn", "SaleIn", "TransitionResult", "WinnerIn"]

from api.schemas._site import TransitionOut, UnitOut


class LienIn(Input):
    """Why the unit changes lien status."""

    reason: str = Field(min_length=3, max_length=500)
    expected_version: int | None = Field(default=None, ge=1)
    """Refuse (409) if the unit changed since this version was read."""


class EmergencyIn(LienIn):
    """An emergency pending auction of an occupied unit (seed 001), ending by itself: after
    `minutes`, or at `ends_at` (give one), within the deployment's emergency maximum."""

    identity_verification: str = Field(min_length=3, max_length=300)
    """How the requester's identity was checked (e.g. `driver licence matched the lease`)."""
    minutes: int = Field(default=60, ge=1, le=24 * 60)
    """How long it lasts; capped by the deployment's emergency maximum."""
    ends_at: OptionalApiTime = None
    """When it ends, instead of `minutes`: in the future, within the emergency maximum."""

    @model_validator(mode="after")
    def _one_end(self) -> EmergencyIn:
        if self.ends_at is not None and "minutes" in self.model_fields_set:
            raise ValueError("give `minutes` or `ends_at`, not both")
        return self

    def ends(self, now: datetime) -> datetime:
        """The emergency's end for a request made at `now`."""
        if self.ends_at is not None:
            return self.ends_at
        return now + timedelta(minutes=self.minutes)


class WinnerIn(Input):
    """The auction winner: an existing account, or a new one."""

    person_id: str | None = Field(default=None, min_length=1, max_length=36)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    mobile: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")

    @model_validator(mode="after")
    def _identified(self) -> WinnerIn:
        if self.person_id is None and self.name is None:
            raise ValueError("give the winner's `person_id`, or a `name` for a new account")
        return self


class _Window(LienIn):
    window_start: ApiTime
    """When the access window opens."""
    window_end: ApiTime
    """When it closes (after `window_start`)."""

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.window_end <= self.window_start:
            raise ValueError("`window_end` must be after `window_start`")
        return self


class SaleIn(_Window):
    """A recorded auction sale: who won and when they may clear the unit."""

    winner: WinnerIn


class CleanoutIn(_Window):
    """Clean-out access for an employee of the company."""

    employee_id: str = Field(min_length=1, max_length=36)


class TransitionResult(BaseModel):
    """The unit after an accepted portal action, and the transition recorded."""

    unit: UnitOut
    transition: TransitionOut
