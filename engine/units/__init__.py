"""Stored units: lifecycle events with their effects, PMS events, expiries, key shares."""

from engine.units._conflicts import resolve_conflict
from engine.units._errors import ConcurrentUpdate, UnitNotFound
from engine.units._expiry import due_units, expire_due
from engine.units._pms import (
    PmsEvent,
    PmsOutcome,
    PmsResult,
    PmsTenant,
    active_rental,
    apply_pms_event,
)
from engine.units._pms_batch import apply_pms_batch
from engine.units._service import Applied, LifecycleService
from engine.units._shares import revoke_share, share_key
from engine.units._snapshot import effective_state, snapshot

__all__ = [
    "Applied",
    "ConcurrentUpdate",
    "LifecycleService",
    "PmsEvent",
    "PmsOutcome",
    "PmsResult",
    "PmsTenant",
    "UnitNotFound",
    "active_rental",
    "apply_pms_batch",
    "apply_pms_event",
    "due_units",
    "effective_state",
    "expire_due",
    "resolve_conflict",
    "revoke_share",
    "share_key",
    "snapshot",
]
