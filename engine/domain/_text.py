"""Text that every database can store: no NUL characters.

PostgreSQL refuses a NUL in text while SQLite stores it, so input holding one is refused
where it comes in (a field-level error), and text kept only as evidence has it escaped.
"""

from __future__ import annotations

__all__ = ["refuse_nul", "storable"]

NUL = "\x00"


def refuse_nul(value: object) -> object:
    """A field validator: `value` unchanged, or ValueError when it is text holding a NUL."""
    if isinstance(value, str) and NUL in value:
        raise ValueError("must not contain a NUL character (`\\u0000`)")
    return value


def storable(text: str) -> str:
    """`text` with each NUL written as the six characters `\\u0000` (for rejected input)."""
    return text.replace(NUL, "\\u0000")
