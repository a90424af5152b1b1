"""Refusing a NUL character in a request's path or query before any handler reads it."""

from __future__ import annotations

from litestar.types import Scope

from engine.errors import InvalidInputError

__all__ = ["refuse_nul_in"]


def refuse_nul_in(scope: Scope) -> None:
    """InvalidInputError (400) for a NUL in the path or query: no id or filter holds one,
    and PostgreSQL refuses one in a text parameter (a database error and a 500 before)."""
    query = scope.get("query_string", b"")
    if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
        raise InvalidInputError(
            "the path or query holds a NUL character (`%00`)",
            help="ids and query values never contain one",
        )
