"""Code grants and a person's keypad codes as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas._input import Input
from api.schemas._time import ApiTime, OptionalApiTime

__all__ = ["CodeGrantChangeIn", "CodeGrantIn", "CodeGrantOut", "PersonCodeOut"]

_BUFFER = Field(default=0, ge=0, le=24 * 60)


class CodeGrantIn(Input):
    """A grant to give: a code on keypad doors of the facility from `starts_at` to
    `ends_at`, for a person of the company or a named holder without an account."""

    kind: Literal["temporary", "vendor", "reservation"]
    """`temporary` (a mover or visitor, one day at most), `vendor` (waste, fire, police)
    or `reservation` (with buffers). A clean-out window's code follows its auction grant."""
    door_ids: list[str] = Field(min_length=1, max_length=50)
    starts_at: ApiTime
    ends_at: ApiTime
    buffer_before_minutes: int = _BUFFER
    """The code opens this long before `starts_at`."""
    buffer_after_minutes: int = _BUFFER
    """... and closes this long after `ends_at`."""
    reference: str | None = Field(default=None, min_length=1, max_length=40)
    """The reservation's or grant's reference: the code's name when the holder's cannot be
    used (default `G-` and the grant id's start)."""
    person_id: str | None = Field(default=None, max_length=36)
    holder_name: str | None = Field(default=None, min_length=1, max_length=200)
    holder_phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")
    """E.164; its last digits make the code with `UNITGATE_CODES_FROM_PHONE`."""
    holder_email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    )


class CodeGrantChangeIn(Input):
    """What to move on a grant (omitted: kept); its codes follow at the next round."""

    door_ids: list[str] | None = Field(default=None, min_length=1, max_length=50)
    starts_at: OptionalApiTime = None
    ends_at: OptionalApiTime = None
    buffer_before_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    buffer_after_minutes: int | None = Field(default=None, ge=0, le=24 * 60)


class CodeGrantOut(BaseModel):
    """A code grant, with when its code is on the locks and when it opens."""

    id: str
    facility_id: str
    kind: str
    reference: str
    person_id: str
    holder_name: str
    holder_phone: str | None
    holder_email: str | None
    door_ids: list[str]
    starts_at: datetime
    ends_at: datetime
    buffer_before_minutes: int
    buffer_after_minutes: int
    opens_at: datetime | None
    """The code's window on the lock: from here (start minus buffer) ..."""
    closes_at: datetime | None
    """... to here (end plus buffer, or the cancellation)."""
    loaded_at: datetime | None
    """When its code is put on the locks (the load-ahead setting)."""
    deleted_at: datetime | None
    """When its code leaves the locks (24 h after it closes); None: it never reaches one."""
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
    status: str
    """`scheduled`, `loaded` (on the locks, not open yet), `open`, `closed` (waiting for
    deletion), `ended` or `cancelled`."""


class PersonCodeOut(BaseModel):
    """One of a person's keypad codes on a lock; the number masked."""

    id: str
    device_id: str
    door_id: str | None
    facility_id: str | None
    via: str
    """`rental:<id>`, `share:<id>`, `code_grant:<id>` or `auction:<id>`."""
    name: str
    masked: str
    state: str
    """`active`, `suspended` (the policy denies it now) or `removed`."""
    status: str
    """What the lock service last said: `unset`, `setting`, `set`, `removing`."""
    errors: list[str]
    """Why it is not on the lock as wanted (a refusal, no space, a failed removal)."""
    warnings: list[str]
    """What the operator should know (an outside edit kept, a retry waiting)."""
    next_attempt_at: datetime | None
