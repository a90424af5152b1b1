"""The base of request bodies."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from engine.domain import refuse_nul

__all__ = ["Input"]


class Input(BaseModel):
    """A request body: no text in it may hold a NUL character (PostgreSQL cannot store one,
    so it was a database error and a 500 there, while SQLite stored it)."""

    _no_nul = field_validator("*", mode="after")(refuse_nul)
