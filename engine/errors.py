"""The engine's exception hierarchy. The API maps each family to one HTTP status."""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "RefusedError",
    "UnitgateError",
]


class UnitgateError(Exception):
    """Base of every error unitgate raises on purpose.

    `message` is short and lowercase with user input in backticks; `help` says what to do.
    """

    title = "unitgate error"

    def __init__(self, message: str, *, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.help = help

    def __str__(self) -> str:
        return self.message if self.help is None else f"{self.message} (help: {self.help})"


class InvalidInputError(UnitgateError):
    """The input is malformed or out of range (HTTP 400/422, CLI exit 2)."""

    title = "invalid input"


class NotFoundError(UnitgateError):
    """The object does not exist, or the caller may not know it exists (HTTP 404)."""

    title = "not found"


class PermissionDeniedError(UnitgateError):
    """The caller lacks a permission for the action (HTTP 403)."""

    title = "permission denied"


class RefusedError(UnitgateError):
    """The action is not allowed in the object's current state (HTTP 409)."""

    title = "refused"


class ConflictError(UnitgateError):
    """Someone else changed the object first; re-read and retry (HTTP 409)."""

    title = "conflict"
