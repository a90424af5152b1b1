"""Stored units: lifecycle events with their effects, PMS events, expiries and their duty,
key shares."""

from engine.units._activation import (
    ActivationConfig,
    ActivationStatus,
    follow_rentals,
    start_activations,
)
from engine.units._activation_release import next_release_at, release_due
from engine.units._codes import code_matches, hash_code
from engine.units._conflicts import PMS_RESOLVER, resolve_conflict
from engine.units._effects import WINDOW_ENDED
from engine.units._errors import ConcurrentUpdate, UnitNotFound
from engine.units._expiry import claim_due, due_units, expire_due, expire_if_due, next_bound
from engine.units._expiry_batch import EXPIRY_ACTOR, Expired, record_expiries
from engine.units._expiry_duty import ExpiryAlarm, ExpiryConfig, ExpiryDuty, ExpiryRound
from engine.units._offline_keys import revoke_key_ids, revoke_offline_keys
from engine.units._pms import (
    PmsEvent,
    PmsOutcome,
    PmsResult,
    PmsTenant,
    active_rental,
    apply_pms_event,
)
from engine.units._pms_batch import apply_pms_batch
from engine.units._redeem import (
    CodeNotAccepted,
    Redeemed,
    ResendTooSoon,
    redeem_activation,
    resend_activation,
)
from engine.units._service import TRANSITION_BINDING, TRANSITION_KIND, Applied, LifecycleService
from engine.units._shares import revoke_share, share_key
from engine.units._snapshot import effective_state, expiry_due, snapshot

__all__ = [
    "EXPIRY_ACTOR",
    "PMS_RESOLVER",
    "TRANSITION_BINDING",
    "TRANSITION_KIND",
    "WINDOW_ENDED",
    "ActivationConfig",
    "ActivationStatus",
    "Applied",
    "CodeNotAccepted",
    "ConcurrentUpdate",
    "Expired",
    "ExpiryAlarm",
    "ExpiryConfig",
    "ExpiryDuty",
    "ExpiryRound",
    "LifecycleService",
    "PmsEvent",
    "PmsOutcome",
    "PmsResult",
    "PmsTenant",
    "Redeemed",
    "ResendTooSoon",
    "UnitNotFound",
    "active_rental",
    "apply_pms_batch",
    "apply_pms_event",
    "claim_due",
    "code_matches",
    "due_units",
    "effective_state",
    "expire_due",
    "expire_if_due",
    "expiry_due",
    "follow_rentals",
    "hash_code",
    "next_bound",
    "next_release_at",
    "record_expiries",
    "redeem_activation",
    "release_due",
    "resend_activation",
    "resolve_conflict",
    "revoke_key_ids",
    "revoke_offline_keys",
    "revoke_share",
    "share_key",
    "snapshot",
    "start_activations",
]
