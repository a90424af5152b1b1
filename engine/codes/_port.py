"""The vendor lock-service port (the shape of Seam's access-code and events API), defined by
the engine.

A lock service holds devices (keypad locks) and the access codes on each. A code goes
unset → setting → set, and removing → gone when deleted; codes and devices carry errors and
warnings. Codes this system created are *managed*; anyone else's are unmanaged and are only
ever listed. The service also logs what people type at the keypads (Seam's `lock.unlocked`
with `method: keycode`, and `lock.access_denied`), listed since a time.
`adapters.lockservice` implements the port over HTTP (and simulates a service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "AccessCode",
    "CodeRejected",
    "DeviceInfo",
    "Issue",
    "KeypadEvent",
    "LockService",
    "LockServiceDown",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """An error or warning on a device or a code (`code`: Seam's error or warning code)."""

    code: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A keypad lock as the service reports it."""

    device_id: str
    model: str
    online: bool
    errors: tuple[Issue, ...] = ()
    """`device_offline`, `hub_disconnected`, `account_disconnected`, `max_access_codes_reached`."""
    warnings: tuple[Issue, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessCode:
    """One code on a device."""

    access_code_id: str
    device_id: str
    code: str
    name: str
    status: str
    """`unset`, `setting`, `set` or `removing`."""
    is_managed: bool
    """Created through this system's account (never trusted alone: see the reconciler)."""
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    """E.g. `delay_in_setting`."""
    starts_at: datetime | None = None
    """A time-bound code opens from here (None with `ends_at` None: always)."""
    ends_at: datetime | None = None
    """... until here (Seam's time-bound codes; the lock keeps an ended code inactive)."""


@dataclass(frozen=True, slots=True)
class KeypadEvent:
    """Someone typed a code at a keypad: it opened (`unlocked`) or it was refused (`denied`)."""

    event_id: str
    """The service's id of the event (unique in the account)."""
    device_id: str
    kind: str
    """`unlocked` (Seam's `lock.unlocked`, `method: keycode`) or `denied`
    (`lock.access_denied`)."""
    occurred_at: datetime
    access_code_id: str | None = None
    """The code typed, when the lock knows it (always for `unlocked`)."""
    reason: str = ""
    """Why the lock refused, in its words (`unknown code`, `after the code's window`...)."""


class LockServiceDown(Exception):
    """The service or the device could not be reached: `provider_outage`, `device_offline`,
    `timeout` or `failed` (a 5xx). Nothing is known to have changed; try later."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.kind = kind


class CodeRejected(Exception):
    """The service refused a code: `failed_to_set` (no reason given), `no_space_on_device`,
    `duplicate_code_on_device`, `duplicate_name_on_device`, `code_constraints_violated`."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class LockService(Protocol):
    """What the reconciler needs of a lock service."""

    def list_devices(self) -> list[DeviceInfo]:
        """Every device of the account."""
        ...

    def list_codes(self, device_id: str) -> list[AccessCode]:
        """Every code on the device, managed or not."""
        ...

    def create_code(
        self,
        device_id: str,
        code: str,
        name: str,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> AccessCode:
        """Put a code on the device (status `setting` until the device confirms it), active
        only from `starts_at` to `ends_at` when both are given."""
        ...

    def update_code(
        self,
        access_code_id: str,
        code: str,
        name: str,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> AccessCode:
        """Change a managed code's number, name or window (None, None: always active)."""
        ...

    def delete_code(self, access_code_id: str) -> None:
        """Remove a managed code (an unknown id is already gone: no error)."""
        ...

    def list_events(self, since: datetime | None) -> list[KeypadEvent]:
        """The account's keypad events that occurred at or after `since` (None: all it
        keeps), oldest first."""
        ...
