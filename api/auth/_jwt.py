"""Litestar's JWT bearer auth, configured for unitgate tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import JWTAuth, Token

from api.auth._tokens import ALGORITHM, ROLES
from api.input_guard import refuse_nul_in
from api.settings import Settings
from engine.access import Caller

__all__ = ["PUBLIC_PATHS", "VerifiedToken", "bearer_person", "build_jwt_auth"]

PUBLIC_PATHS = [
    "^/health$",
    "^/docs(/|$)",
    "^/v1/dev/tokens$",
    "^/v1/invitations/accept$",
    "^/portal/",  # office pages: a signed link instead of a bearer token (api.auth._page_links)
]
"""Routes served without a token (anchored: Litestar searches these patterns anywhere in
the path, so a bare `/health` also let `/v1/units/health` through without a token)."""


async def _caller(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    # async: Litestar runs a sync user handler in a worker thread, a hop per request for
    # what is only reading claims.
    refuse_nul_in(connection.scope)  # here, where every authenticated request passes once
    company = token.extras.get("company")
    role = token.extras.get("role")
    if not isinstance(company, str) or not company:
        raise NotAuthorizedException("token has no `company` claim")
    if role not in ROLES:
        raise NotAuthorizedException(f"token role `{role}` is not one of {', '.join(ROLES)}")
    return Caller(person_id=token.sub, company_id=company, role=str(role))


class VerifiedToken(Token):
    """Litestar's token, remembering tokens it verified: a phone opening doors sends the same
    token many times, and checking its signature and claims once per token is enough.

    Only successful decodes are kept, keyed by everything the check depends on (token text,
    secret, algorithm, issuer, required claims); expiry is checked again on every use.
    """

    _verified: ClassVar[dict[tuple[Any, ...], VerifiedToken]] = {}
    _max_kept: ClassVar[int] = 10_000

    @classmethod
    def decode(
        cls,
        encoded_token: str,
        secret: str,
        algorithm: str,
        audience: str | Sequence[str] | None = None,
        issuer: str | Sequence[str] | None = None,
        require_claims: Sequence[str] | None = None,
        verify_exp: bool = True,
        verify_nbf: bool = True,
        strict_audience: bool = False,
    ) -> Self:
        key = (
            encoded_token,
            secret,
            algorithm,
            _frozen(audience),
            _frozen(issuer),
            _frozen(require_claims),
            verify_exp,
            verify_nbf,
            strict_audience,
        )
        kept = cls._verified.get(key)
        if kept is not None and isinstance(kept, cls):
            if not verify_exp or kept.exp > datetime.now(UTC):
                return kept
            del cls._verified[key]
            raise NotAuthorizedException("Invalid token")
        token = super().decode(
            encoded_token,
            secret,
            algorithm,
            audience,
            issuer,
            require_claims,
            verify_exp,
            verify_nbf,
            strict_audience,
        )
        if len(cls._verified) >= cls._max_kept:
            del cls._verified[next(iter(cls._verified))]  # the oldest
        cls._verified[key] = token
        return token


def _frozen(value: str | Sequence[str] | None) -> str | tuple[str, ...] | None:
    return value if value is None or isinstance(value, str) else tuple(value)


_REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "company", "role"]


def bearer_person(authorization: str | None, settings: Settings) -> str | None:
    """The person of an optional `Bearer` token on a public route, checked as on every other
    route (401 when one is sent and is not valid); None when there is none."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "bearer" or not encoded.strip():
        raise NotAuthorizedException("the Authorization header takes `Bearer <token>`")
    token = VerifiedToken.decode(
        encoded.strip(),
        settings.jwt_secret_value(),
        ALGORITHM,
        issuer=[settings.jwt_issuer],
        require_claims=_REQUIRED_CLAIMS,
    )
    return token.sub


def build_jwt_auth(secret: str, issuer: str) -> JWTAuth[Caller, Token]:
    """Bearer auth: HS256 only (so `alg: none` and others are refused), issuer and expiry checked,
    `sub`, `exp`, `iat`, `company` and `role` required."""
    return JWTAuth[Caller, Token](
        retrieve_user_handler=_caller,
        token_cls=VerifiedToken,
        token_secret=secret,
        algorithm=ALGORITHM,
        accepted_issuers=[issuer],
        require_claims=_REQUIRED_CLAIMS,
        exclude=PUBLIC_PATHS,
        description="A unitgate bearer token (subject: a person; claims company and role).",
    )
