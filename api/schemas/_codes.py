"""Keypad locks and their codes as the API shows them (numbers masked)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

__all__ = ["KeypadCodeOut", "KeypadLockOut", "RevealedCodeOut"]


class BackupPoolOut(BaseModel):
    """A lock's backup codes (seed 003): pooled ones ready or still being set, those given."""

    size: int
    """Backup codes kept on the lock (`UNITGATE_CODES_BACKUP_POOL`)."""
    ready: int
    setting: int
    assigned: int
    """Given to people whose own code was not set (until its window ends)."""
    health: str
    """`full` (every place ready), `partial` or `empty` (none ready)."""


class KeypadLockOut(BaseModel):
    """A keypad lock of the lock service and how full it is."""

    device_id: str
    door_id: str | None
    """The door it is matched to (None: unmatched)."""
    model: str
    capacity: int
    """Codes the lock holds at most (its model's), everyone's counted."""
    managed_codes: int
    """unitgate's codes on it now."""
    unmanaged_codes: int
    """Codes someone else set: never touched, counted against capacity."""
    full: bool
    """The last round left someone without a code for lack of space."""
    online: bool | None
    last_error: str | None
    reconciled_at: datetime | None
    backup_pool: BackupPoolOut | None = None


class KeypadCodeOut(BaseModel):
    """A code unitgate manages for a person on a lock; the number masked."""

    id: str
    device_id: str
    person_id: str
    via: str
    """`rental:<id>` or `share:<id>`."""
    name: str
    masked: str
    """The number with all but its last two digits hidden (reveal: `POST .../reveal`)."""
    state: str
    """`active`, `suspended` (the policy denies it now) or `removed`."""
    status: str
    """What the lock service last said: `unset`, `setting`, `set`, `removing`."""
    failures: int
    next_attempt_at: datetime | None
    last_error: str | None
    flag: str | None


class RevealedCodeOut(BaseModel):
    """A code's number, revealed (the reveal is in the facility's audit log)."""

    id: str
    code: str
    audit_seq: int
