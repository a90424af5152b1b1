"""The lock layer wired into the service: `hardware` behind the engine's ports."""

from api.locks._gateways import HardwareGateways, lock_event
from api.locks._signer import HardwareSigner

__all__ = ["HardwareGateways", "HardwareSigner", "lock_event"]
