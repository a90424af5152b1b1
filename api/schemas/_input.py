"""The base of request bodies."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

__all__ = ["Input"]


class Input(BaseModel):
    """A request body: no text in it may hold a NUL character (PostgreSQL text cannot store
    one, so it was a database error and a 500 there, while SQLite stored it)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain a NUL character (`\\u0000`)")
        return value
