"""Typed errors of lock operations."""

from __future__ import annotations

from hardware.protocol import ErrorCode, ErrorReport

__all__ = [
    "LockError",
    "LockRefused",
    "LockReplyInvalid",
    "LockTimeout",
    "LockUnreachable",
]


class LockError(Exception):
    """A lock operation did not succeed."""


class LockRefused(LockError):
    """The lock refused, with a code from the shared list (its signed report attached)."""

    def __init__(self, report: ErrorReport) -> None:
        super().__init__(f"lock refused: {report.code.name.lower().replace('_', ' ')}")
        self.report = report
        """The lock-signed error report."""

    @property
    def code(self) -> ErrorCode:
        """Why."""
        return self.report.code


class LockUnreachable(LockError):
    """No connection to the lock within the retries (out of range, offline, no battery)."""


class LockTimeout(LockError):
    """Connected, but no complete answer within the retries (lost or mangled replies)."""


class LockReplyInvalid(LockError):
    """A reply the lock did not sign, or from another lock: never retried, never trusted."""
