"""`POST /v1/dev/tokens`: a token for any person, for demos. Served only when configured."""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar import Router, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, Field
from sqlmodel import func, select

from api.auth import issue_token
from api.problems import problems
from api.settings import Settings
from engine.access import person_in_company
from engine.errors import NotFoundError
from engine.persistence.tables import Company, Person
from engine.runtime import Runtime

__all__ = ["dev_tokens_router"]


class DevTokenIn(BaseModel):
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
        person = s.exec(
            select(Person).where(func.lower(Person.email) == data.email.lower())
        ).first()
        if person is None or s.get(Company, data.company_id) is None:
            raise NotFoundError(f"no person `{data.email}` in company `{data.company_id}`")
        if not person_in_company(s, person.id, data.company_id):
            raise NotFoundError(f"no person `{data.email}` in company `{data.company_id}`")
    lifetime = timedelta(minutes=settings.token_minutes)
    token = issue_token(
        settings.jwt_secret_value(),
        person_id=person.id,
        company_id=data.company_id,
        role=data.role,
        issuer=settings.jwt_issuer,
        lifetime=lifetime,
    )
    from datetime import UTC

    return DevTokenOut(token=token, person_id=person.id, expires_at=datetime.now(UTC) + lifetime)


dev_tokens_router = Router("/v1", route_handlers=[dev_token], tags=["dev"])
