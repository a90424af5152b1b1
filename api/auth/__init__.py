"""Authentication: bearer tokens carrying a person, a company and a role."""

from api.auth._issue import IssuedToken, token_for_member, token_for_person
from api.auth._jwt import PUBLIC_PATHS, bearer_person, build_jwt_auth
from api.auth._page_links import PAGE_LINK_MINUTES, PageClaims, sign_page_link, verify_page_link
from api.auth._tokens import ALGORITHM, APP_ROLES, ROLES, issue_token

__all__ = [
    "ALGORITHM",
    "APP_ROLES",
    "PAGE_LINK_MINUTES",
    "PUBLIC_PATHS",
    "ROLES",
    "IssuedToken",
    "PageClaims",
    "bearer_person",
    "build_jwt_auth",
    "issue_token",
    "sign_page_link",
    "token_for_member",
    "token_for_person",
    "verify_page_link",
]
