"""Faults the simulated lock service injects, set by tests and its control API."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LockFaults"]


@dataclass
class LockFaults:
    """What goes wrong, service-wide and per device."""

    outage: bool = False
    """Every call fails with `provider_outage`."""
    offline: set[str] = field(default_factory=set)
    """Devices that are offline (hub disconnected): calls on them fail `device_offline`."""
    reject_next: dict[str, int] = field(default_factory=dict)
    """Device → how many of its next creates and updates are refused without a reason."""
    reject_rate: float = 0.0
    """Chance that any create or update is refused without a reason."""
    fail_rate: float = 0.0
    """Chance that any call fails (a 5xx) before doing anything."""
    set_delay_seconds: float = 0.0
    """A new or changed code stays `setting` (warning `delay_in_setting`) this long."""
    remove_delay_seconds: float = 0.0
    """A deleted code stays `removing` this long."""
    slow_seconds: float = 0.0
    """Every HTTP call waits this long before answering (slow calls, timeouts)."""

    def update(self, values: dict[str, object]) -> None:
        """Set the faults named in `values` (the control API's body)."""
        for key, value in values.items():
            if not hasattr(self, key):
                raise ValueError(f"unknown fault `{key}`")
            if key == "offline":
                assert isinstance(value, list)
                self.offline = {str(v) for v in value}
            elif key == "reject_next":
                assert isinstance(value, dict)
                self.reject_next = {str(k): int(v) for k, v in value.items()}
            elif key == "outage":
                self.outage = bool(value)
            else:
                assert isinstance(value, int | float)
                setattr(self, key, float(value))
