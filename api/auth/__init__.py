"""Authentication: bearer tokens carrying a person, a company and a role."""

from api.auth._issue import IssuedToken, token_for_member, token_for_person
from api.auth._jwt import PUBLIC_PATHS, bearer_person, build_jwt_auth
from api.auth._tokens import ALGORITHM, APP_ROLES, ROLES, issue_token

__all__ = [
    "ALGORITHM",
    "APP_ROLES",
    "PUBLIC_PATHS",
    "ROLES",
    "IssuedToken",
    "bearer_person",
    "build_jwt_auth",
    "issue_token",
    "token_for_member",
    "token_for_person",
]
