"""Locks as the engine knows them: facility keys, registered locks and gateways, phone relay
commands, offline keys and revocation lists, remote actions, the lock duty (status, health,
offline logs), and the ports (`engine.locks._port`) through which `api` wires `hardware`."""

from engine.locks._events import LOCK_EVENT_BINDING, LOCK_EVENT_KIND, land_events
from engine.locks._health import HealthChange, health_changes
from engine.locks._keys import facility_key, material
from engine.locks._offline import (
    MAX_KEY_LOCKS,
    MAX_LISTED_REVOCATIONS,
    IssuedKey,
    issue_offline_key,
    parse_phone_key,
    revocation_frame,
    revocation_list,
    revoke_key,
)
from engine.locks._poll import LockPollConfig, LockPoller, Polled, RevocationSource
from engine.locks._port import (
    GatewayPort,
    GatewayUnavailable,
    HealthView,
    KeyDeriver,
    KeyMaterial,
    LockEvent,
    LockObservation,
    LockSigner,
    LockStatusReading,
    RemoteOutcome,
)
from engine.locks._refusals import refusal_reason
from engine.locks._registry import door_lock, register_gateway, register_lock, registered_lock
from engine.locks._relay import KeyCache, RelayCommand, relay_command, relay_lock
from engine.locks._remote import (
    ACTION_BOUND,
    RemoteUnlock,
    carry_out,
    finish_action,
    remote_target,
    start_action,
    sweep_interrupted,
)

__all__ = [
    "ACTION_BOUND",
    "LOCK_EVENT_BINDING",
    "LOCK_EVENT_KIND",
    "MAX_KEY_LOCKS",
    "MAX_LISTED_REVOCATIONS",
    "GatewayPort",
    "GatewayUnavailable",
    "HealthChange",
    "HealthView",
    "IssuedKey",
    "KeyCache",
    "KeyDeriver",
    "KeyMaterial",
    "LockEvent",
    "LockObservation",
    "LockPollConfig",
    "LockPoller",
    "LockSigner",
    "LockStatusReading",
    "Polled",
    "RelayCommand",
    "RemoteOutcome",
    "RemoteUnlock",
    "RevocationSource",
    "carry_out",
    "door_lock",
    "facility_key",
    "finish_action",
    "health_changes",
    "issue_offline_key",
    "land_events",
    "material",
    "parse_phone_key",
    "refusal_reason",
    "register_gateway",
    "register_lock",
    "registered_lock",
    "relay_command",
    "relay_lock",
    "remote_target",
    "revocation_frame",
    "revocation_list",
    "revoke_key",
    "start_action",
    "sweep_interrupted",
]
