"""Where a driver gets the signed command for a challenge: the server, or an issuer here."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from hardware.clock import Clock, unix_seconds
from hardware.protocol import Action, Challenge, CommandIssuer

__all__ = ["DEFAULT_WINDOW", "CommandSource", "IssuerSource"]

DEFAULT_WINDOW = 30
"""Seconds a command stays valid from its issue (the policy decision's window)."""


class CommandSource(Protocol):
    """Returns the signed COMMAND frame for the lock's challenge (the phone asks the server)."""

    async def __call__(self, challenge: Challenge, action: Action, command_id: UUID) -> bytes:
        """The frame to relay; raising refuses (e.g. the server denied access)."""
        ...


class IssuerSource:
    """A `CommandSource` signing in-process (tests, benches, a gateway holding its key)."""

    def __init__(self, issuer: CommandIssuer, clock: Clock, window: int = DEFAULT_WINDOW) -> None:
        self._issuer = issuer
        self._clock = clock
        self._window = window
        self.issued = 0
        """Commands signed (a retry after a lost reply signs again, same command id)."""

    async def __call__(self, challenge: Challenge, action: Action, command_id: UUID) -> bytes:
        """Sign for `challenge`, valid from now for the window."""
        now = unix_seconds(self._clock.now())
        self.issued += 1
        return self._issuer.issue(
            challenge.lock_id, action, challenge.nonce, now, now + self._window, command_id
        )
