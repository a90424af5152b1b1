"""Locks as the engine knows them: facility keys, registered locks and gateways, remote
actions, the lock duty (status, health, offline logs), and the ports (`engine.locks._port`)
through which `api` wires the `hardware` library."""

from engine.locks._events import LOCK_EVENT_BINDING, LOCK_EVENT_KIND, land_events
from engine.locks._health import HealthChange, health_changes
from engine.locks._keys import facility_key, material
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
from engine.locks._registry import door_lock, find_lock, register_gateway, register_lock
from engine.locks._remote import (
    ACTION_BOUND,
    RemoteUnlock,
    carry_out,
    finish_action,
    remote_target,
    start_action,
    sweep_interrupted,
)
from engine.locks._revocations import revocation_list

__all__ = [
    "ACTION_BOUND",
    "LOCK_EVENT_BINDING",
    "LOCK_EVENT_KIND",
    "GatewayPort",
    "GatewayUnavailable",
    "HealthChange",
    "HealthView",
    "KeyDeriver",
    "KeyMaterial",
    "LockEvent",
    "LockObservation",
    "LockPollConfig",
    "LockPoller",
    "LockSigner",
    "LockStatusReading",
    "Polled",
    "RemoteOutcome",
    "RemoteUnlock",
    "RevocationSource",
    "carry_out",
    "door_lock",
    "facility_key",
    "find_lock",
    "finish_action",
    "health_changes",
    "land_events",
    "material",
    "register_gateway",
    "register_lock",
    "remote_target",
    "revocation_list",
    "start_action",
    "sweep_interrupted",
]
