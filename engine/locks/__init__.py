"""Locks as the engine knows them: facility keys, registered locks and gateways, phone relay
commands, offline keys and revocation lists, and the port (`engine.locks._port`) through
which `api` wires the `hardware` library."""

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
from engine.locks._port import KeyDeriver, KeyMaterial, LockSigner
from engine.locks._registry import door_lock, find_lock, register_gateway, register_lock
from engine.locks._relay import KeyCache, RelayCommand, relay_command, relay_lock

__all__ = [
    "MAX_KEY_LOCKS",
    "MAX_LISTED_REVOCATIONS",
    "IssuedKey",
    "KeyCache",
    "KeyDeriver",
    "KeyMaterial",
    "LockSigner",
    "RelayCommand",
    "door_lock",
    "facility_key",
    "find_lock",
    "issue_offline_key",
    "material",
    "parse_phone_key",
    "register_gateway",
    "register_lock",
    "relay_command",
    "relay_lock",
    "revocation_frame",
    "revocation_list",
    "revoke_key",
]
