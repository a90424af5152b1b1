"""Phone relay: an allowed decision turned into a COMMAND signed for the lock's challenge.

The phone asks the lock for a challenge over Bluetooth, sends it with its access request,
and relays the signed command back. The command's window is the decision's (from the
decision's time to `AccessOutcome.unlock_expires_at`, 30 s), so a decision made before a
unit went delinquent cannot open anything after its window.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlmodel import Session

from engine.access import AccessOutcome, SiteFacts
from engine.errors import RefusedError
from engine.locks._keys import facility_key, material
from engine.locks._port import KeyMaterial, LockSigner
from engine.locks._registry import registered_lock
from engine.persistence import Database
from engine.persistence.tables import FacilityLockKey, LockDevice

__all__ = ["KeyCache", "RelayCommand", "relay_command", "relay_lock"]


@dataclass(frozen=True, slots=True)
class RelayCommand:
    """A signed command for one lock's challenge, and its window."""

    frame: bytes
    """The COMMAND frame the phone writes to the lock."""
    command_id: UUID
    lock_id: str
    not_before: datetime
    not_after: datetime


class KeyCache:
    """Facility keys and registered locks, read once per process: a facility's key never
    changes once made (`facility_key` makes it once; replicas racing to make it agree on
    the winner), and a lock never moves to another facility (`register_lock` refuses)."""

    def __init__(self) -> None:
        self._keys: dict[str, KeyMaterial] = {}
        self._locks: dict[str, str] = {}
        """Lock id → its facility, for locks found registered."""
        self._lock = threading.Lock()

    def get(self, db: Database, facility_id: str, signer: LockSigner, now: datetime) -> KeyMaterial:
        """The facility's key, made in its own transaction on first need."""
        key = self._keys.get(facility_id)
        if key is not None:
            return key
        with db.read() as s:
            row = s.get(FacilityLockKey, facility_id)
            key = material(row) if row is not None else None
        if key is None:
            with db.transaction() as s:
                key = material(facility_key(s, facility_id, signer.public_of, now))
        with self._lock:
            return self._keys.setdefault(facility_id, key)

    def lock_of(self, db: Database, site: SiteFacts) -> str:
        """The id of the door's registered Bluetooth lock (`RefusedError` when none; a
        lock not found is looked up again next time)."""
        ref = site.lock_ref
        if ref is not None and self._locks.get(ref) == site.facility_id:
            return ref
        with db.read() as s:
            lock = relay_lock(s, site)
        with self._lock:
            self._locks[lock.id] = lock.facility_id
        return lock.id


def relay_lock(session: Session, site: SiteFacts) -> LockDevice:
    """The registered Bluetooth lock of the door (`RefusedError` explaining when none)."""
    lock = registered_lock(session, site.facility_id, site.lock_ref)
    if lock is None:
        raise RefusedError(
            f"door `{site.name}` has no registered Bluetooth lock to sign a command for",
            help="ask without `challenge` for an authorisation the door's own system "
            "honours, or register the door's lock",
        )
    return lock


def relay_command(
    db: Database,
    signer: LockSigner,
    keys: KeyCache,
    outcome: AccessOutcome,
    challenge: bytes,
) -> RelayCommand | None:
    """The signed unlock command for `challenge` (a lock's CHALLENGE frame) when the
    decision allowed it; None when it was denied. A challenge that is not this door's lock's
    raises `InvalidInputError`, a door without a registered lock `RefusedError`, whatever
    the decision."""
    site = outcome.site
    lock_id = keys.lock_of(db, site)
    nonce = signer.challenge_nonce(lock_id, challenge)
    not_after = outcome.unlock_expires_at
    if not_after is None:
        return None
    key = keys.get(db, site.facility_id, signer, outcome.at)
    command_id = uuid4()
    # The lock counts whole seconds: the window as signed, never longer than the decision's.
    not_before, not_after = outcome.at.replace(microsecond=0), not_after.replace(microsecond=0)
    frame = signer.command(
        key,
        lock_id=lock_id,
        action="unlock",
        challenge=nonce,
        not_before=not_before,
        not_after=not_after,
        command_id=command_id,
    )
    return RelayCommand(frame, command_id, lock_id, not_before, not_after)
