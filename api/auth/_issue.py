"""Issuing a token for a person of a company, found by email (the CLI and the demo issuer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from api.auth._tokens import issue_token
from api.settings import Settings
from engine.access import person_in_company
from engine.errors import NotFoundError
from engine.sites import find_person

__all__ = ["IssuedToken", "token_for_member", "token_for_person"]


@dataclass(frozen=True)
class IssuedToken:
    """A signed token and whom it was issued for."""

    token: str
    person_id: str
    expires_at: datetime


def token_for_member(
    session: Session,
    settings: Settings,
    *,
    email: str,
    company_id: str,
    role: str,
    minutes: int | None = None,
) -> IssuedToken:
    """A token for the person with `email` acting in `company_id`; 404 unless they belong to it
    (a role, rental, share or grant there)."""
    person = find_person(session, email=email)
    if person is None or not person_in_company(session, person.id, company_id):
        raise NotFoundError(f"no person `{email}` in company `{company_id}`")
    return token_for_person(settings, person.id, company_id, role, minutes)


def token_for_person(
    settings: Settings, person_id: str, company_id: str, role: str, minutes: int | None = None
) -> IssuedToken:
    """A token for `person_id` acting in `company_id` as `role` (the caller checked that they
    belong there), valid `minutes` (default: the deployment's token lifetime)."""
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=minutes or settings.token_minutes)
    token = issue_token(
        settings.jwt_secret_value(),
        person_id=person_id,
        company_id=company_id,
        role=role,
        issuer=settings.jwt_issuer,
        lifetime=lifetime,
        now=now,
    )
    return IssuedToken(token, person_id, now + lifetime)
