"""Locks as the engine knows them: facility keys, registered locks and gateways, and the
port (`engine.locks._port`) through which `api` wires the `hardware` library."""

from engine.locks._keys import facility_key, material
from engine.locks._port import KeyDeriver, KeyMaterial, LockSigner
from engine.locks._registry import door_lock, find_lock, register_gateway, register_lock

__all__ = [
    "KeyDeriver",
    "KeyMaterial",
    "LockSigner",
    "door_lock",
    "facility_key",
    "find_lock",
    "material",
    "register_gateway",
    "register_lock",
]
