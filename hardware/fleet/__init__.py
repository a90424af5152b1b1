"""The fleet: locks and gateways of a facility, their keys, last status and health.

`Fleet.health(lock_id)` gives battery good/low/critical, connected/disconnected/flaky,
tamper, jammed and clock drift with the seed's advice (replace the battery when low; one
lock disconnecting: move the hub closer; several on one hub: check the hub's Wi-Fi).
"""

from hardware.fleet._fleet import HUB_WIFI_THRESHOLD, Fleet, GatewayRecord, LockRecord
from hardware.fleet._health import (
    ADVICE_HUB_WIFI,
    ADVICE_JAMMED,
    ADVICE_MOVE_HUB,
    ADVICE_REPLACE_BATTERY,
    ADVICE_REPLACE_BATTERY_NOW,
    ADVICE_TAMPER,
    DRIFT_WARNING,
    FLAKY_FAILURE_RATE,
    BatteryLevel,
    Connectivity,
    LockHealth,
    assess,
    battery_level,
    connectivity,
)

__all__ = [
    "ADVICE_HUB_WIFI",
    "ADVICE_JAMMED",
    "ADVICE_MOVE_HUB",
    "ADVICE_REPLACE_BATTERY",
    "ADVICE_REPLACE_BATTERY_NOW",
    "ADVICE_TAMPER",
    "DRIFT_WARNING",
    "FLAKY_FAILURE_RATE",
    "HUB_WIFI_THRESHOLD",
    "BatteryLevel",
    "Connectivity",
    "Fleet",
    "GatewayRecord",
    "LockHealth",
    "LockRecord",
    "assess",
    "battery_level",
    "connectivity",
]
