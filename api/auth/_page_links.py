"""Signed page links: a short-lived URL an employee's browser opens without a bearer token.

A browser following a link sends no `Authorization` header, so a page of the office's takes
its authority from its address: a token signed with a key derived from the deployment's JWT
secret (never a valid bearer token: another key and audience), naming the employee, the
company, the page's subject, and expiring within minutes. The page checks the employee's
permission again when it renders, so a role taken away ends the link's use too.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from litestar.exceptions import NotAuthorizedException

from api.auth._tokens import ALGORITHM
from api.settings import Settings

__all__ = ["PAGE_LINK_MINUTES", "PageClaims", "sign_page_link", "verify_page_link"]

PAGE_LINK_MINUTES = 10
"""How long a page link opens its page."""

_AUDIENCE = "unitgate:page"


def _key(settings: Settings) -> str:
    secret = settings.jwt_secret_value().encode()
    return hmac.new(secret, b"unitgate page links", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PageClaims:
    """Who may see which page."""

    employee_id: str
    company_id: str
    page: str
    subject: str
    facility_id: str | None


def sign_page_link(
    settings: Settings, claims: PageClaims, now: datetime | None = None
) -> tuple[str, datetime]:
    """A token for `claims` and when it expires (wall-clock time, like bearer tokens)."""
    issued = now or datetime.now(UTC)
    expires = issued + timedelta(minutes=PAGE_LINK_MINUTES)
    payload = {
        "sub": claims.employee_id,
        "company": claims.company_id,
        "page": claims.page,
        "subject": claims.subject,
        "facility": claims.facility_id,
        "aud": _AUDIENCE,
        "iss": settings.jwt_issuer,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(payload, _key(settings), algorithm=ALGORITHM), expires


def verify_page_link(settings: Settings, token: str, page: str, subject: str) -> PageClaims:
    """The claims of a valid, unexpired link to `page` about `subject` (401 otherwise)."""
    try:
        data = jwt.decode(
            token,
            _key(settings),
            algorithms=[ALGORITHM],
            audience=_AUDIENCE,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthorizedException("the link has expired: ask for a new one") from None
    except jwt.PyJWTError:
        raise NotAuthorizedException("the link is not valid") from None
    if data.get("page") != page or data.get("subject") != subject:
        raise NotAuthorizedException("the link is for another page")
    facility = data.get("facility")
    return PageClaims(
        str(data["sub"]),
        str(data.get("company")),
        page,
        subject,
        facility if isinstance(facility, str) else None,
    )
