"""The lock's GATT service and characteristics (128-bit, unitgate's own base)."""

from __future__ import annotations

__all__ = ["COMMAND_CHAR_UUID", "LOCK_SERVICE_UUID", "REPLY_CHAR_UUID"]

LOCK_SERVICE_UUID = "7b3e0001-5c1f-4d2a-9e8b-3a6f2c1d0e00"
"""The lock service (advertised, so a phone or gateway finds locks by it)."""
COMMAND_CHAR_UUID = "7b3e0002-5c1f-4d2a-9e8b-3a6f2c1d0e00"
"""Write (with response, long writes up to 512 bytes): frames from phone or gateway."""
REPLY_CHAR_UUID = "7b3e0003-5c1f-4d2a-9e8b-3a6f2c1d0e00"
"""Notify: frames from the lock, one per notification (≤ 244 bytes at MTU 247)."""
