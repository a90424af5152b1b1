"""`POST /v1/dev/tokens`: a token for any person, for demos. Served only when configured."""

from __future__ import annotations

from datetime import datetime

from litestar import Router, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from api.auth import token_for_member
from api.problems import problems
from api.schemas._input import Input
from api.settings import Settings
from engine.runtime import Runtime

__all__ = ["dev_tokens_router"]


class DevTokenIn(Input):
    """Whom to issue a token for."""

    email: str = Field(min_length=3, max_length=254)
    company_id: str = Field(min_length=1, max_length=36)
    role: str = Field(default="tenant", pattern="^(tenant|shared_user|auction_winner|employee)$")


class DevTokenOut(BaseModel):
    """A bearer token: send it as `Authorization: Bearer <token>`."""

    token: str
    person_id: str
    expires_at: datetime


@post("/dev/tokens", responses=problems(404), sync_to_thread=True, exclude_from_auth=True)
def dev_token(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    data: JSONBody[DevTokenIn],
) -> DevTokenOut:
    """Issue a token for a demo person by email (only when `UNITGATE_DEV_TOKENS=true`)."""
    with runtime.db.read() as s:
        issued = token_for_member(
            s, settings, email=data.email, company_id=data.company_id, role=data.role
        )
    return DevTokenOut(token=issued.token, person_id=issued.person_id, expires_at=issued.expires_at)


dev_tokens_router = Router("/v1", route_handlers=[dev_token], tags=["dev"])
