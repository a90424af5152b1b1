"""Litestar's JWT bearer auth, configured for unitgate tokens."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import JWTAuth, Token

from api.auth._tokens import ALGORITHM, ROLES
from engine.access import Caller

__all__ = ["PUBLIC_PATHS", "build_jwt_auth"]

PUBLIC_PATHS = ["/health", "/docs", "/v1/dev/tokens"]
"""Routes served without a token."""


def _caller(token: Token, _connection: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    company = token.extras.get("company")
    role = token.extras.get("role")
    if not isinstance(company, str) or not company:
        raise NotAuthorizedException("token has no `company` claim")
    if role not in ROLES:
        raise NotAuthorizedException(f"token role `{role}` is not one of {', '.join(ROLES)}")
    return Caller(person_id=token.sub, company_id=company, role=str(role))


def build_jwt_auth(secret: str, issuer: str) -> JWTAuth[Caller, Token]:
    """Bearer auth: HS256 only (so `alg: none` and others are refused), issuer and expiry checked,
    `sub`, `exp`, `iat`, `company` and `role` required."""
    return JWTAuth[Caller, Token](
        retrieve_user_handler=_caller,
        token_secret=secret,
        algorithm=ALGORITHM,
        accepted_issuers=[issuer],
        require_claims=["exp", "iat", "sub", "iss", "company", "role"],
        exclude=PUBLIC_PATHS,
        description="A unitgate bearer token (subject: a person; claims company and role).",
    )
