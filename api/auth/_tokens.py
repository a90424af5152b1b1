"""Bearer tokens: subject (a person), company and role, signed with HS256."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

import jwt

__all__ = ["ALGORITHM", "APP_ROLES", "ROLES", "issue_token"]

ALGORITHM: Final = "HS256"
APP_ROLES: Final = ("tenant", "shared_user", "auction_winner")
"""Roles of app (mobile) tokens: the person's relations to units are read from the store."""
ROLES: Final = (*APP_ROLES, "employee")
"""Every role a token may carry; `employee` tokens use the portal routes."""


def issue_token(
    secret: str,
    *,
    person_id: str,
    company_id: str,
    role: str,
    issuer: str,
    lifetime: timedelta,
    now: datetime | None = None,
) -> str:
    """A signed token for `person_id` acting in `company_id` as `role`.

    Token times are wall-clock times (they are checked against the real clock), unlike the
    domain's injected clock.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role `{role}`")
    issued = now or datetime.now(UTC)
    # Top-level claims (Litestar's Token.encode would nest them under `extras`).
    claims = {
        "sub": person_id,
        "iss": issuer,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "company": company_id,
        "role": role,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
