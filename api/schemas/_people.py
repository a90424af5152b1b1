"""Accounts, roles, shares and the tenant's activity feed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from api.schemas._access import DoorAccess
from api.schemas._input import Input
from api.schemas._time import OptionalApiTime
from engine.domain import DenialReason, Permission, UnitState

__all__ = [
    "ActivityItem",
    "AssignmentIn",
    "AssignmentOut",
    "MeOut",
    "MyFacility",
    "MyUnit",
    "PermissionOut",
    "RoleIn",
    "RoleOut",
    "ShareIn",
    "ShareOut",
]


class MyFacility(BaseModel):
    """A facility where the person rents, holds a key or works, in any company."""

    company_id: str
    company_name: str
    facility_id: str
    facility_name: str
    relations: list[str]
    """`tenant`, `shared`, `winner`, `cleanout`, `employee`."""


class MeOut(BaseModel):
    """The caller's account and every facility they can switch to (seed 000 step 7)."""

    id: str
    name: str
    email: str | None
    mobile: str | None
    company_id: str
    """The company this token acts in; switching to another needs a token for it."""
    facilities: list[MyFacility]


class MyUnit(BaseModel):
    """A unit the caller rents, holds a key to or won, with the doors they may open now."""

    unit_id: str
    facility_id: str
    facility_name: str
    number: str
    relation: Literal["tenant", "shared", "winner", "cleanout"]
    state: UnitState
    doors: list[DoorAccess]


class ShareIn(Input):
    """Whom to share a key with: an existing account or a new one by email or mobile."""

    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    mobile: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")
    """E.164, e.g. `+15550100001`."""
    name: str | None = Field(default=None, min_length=1, max_length=200)
    """The name for a new account (defaults to the email or mobile)."""
    expires_at: OptionalApiTime = None
    """When the key stops working; none: until revoked."""

    @model_validator(mode="after")
    def _someone(self) -> ShareIn:
        if self.email is None and self.mobile is None:
            raise ValueError("give the `email` or `mobile` of the person to share with")
        return self


class ShareOut(BaseModel):
    """A key shared by a tenant."""

    id: str
    unit_id: str
    grantee_id: str
    grantee_name: str
    """What the tenant called the grantee (the name, else the email or mobile they gave),
    never the name on the grantee's account."""
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool


class ActivityItem(BaseModel):
    """Something that happened at one of the caller's units."""

    at: datetime
    kind: Literal["access", "transition", "share_created", "share_revoked", "lock_event"]
    """`lock_event`: what the unit's lock itself logged (uploaded later, by its counter)."""
    unit_id: str
    actor_id: str | None
    actor_name: str | None
    actor_kind: str
    """`tenant`, `shared_user`, `employee`, `auction_winner`, `pms` or `system`."""
    summary: str
    allowed: bool | None = None
    door_name: str | None = None
    reason_code: DenialReason | None = None
    """An access refused: the decision's stable code; a lock's own refusal: the code its
    error maps to (`invalid_key`, `offline_key_expired`), when it is a key refused."""


class PermissionOut(BaseModel):
    """A permission a role can hold."""

    name: Permission
    description: str


class RoleIn(Input):
    """A new role of the caller's company."""

    name: str = Field(min_length=1, max_length=100)
    permissions: list[Permission] = Field(max_length=len(Permission))


class RoleOut(BaseModel):
    """A role and its permissions."""

    id: str
    name: str
    permissions: list[Permission]


class AssignmentIn(Input):
    """Give a person a role at one facility, or at all (no facility)."""

    person_id: str = Field(min_length=1, max_length=36)
    facility_id: str | None = Field(default=None, min_length=1, max_length=36)


class AssignmentOut(BaseModel):
    """A person holding a role."""

    id: str
    person_id: str
    role_id: str
    facility_id: str | None
