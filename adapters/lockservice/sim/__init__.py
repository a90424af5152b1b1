"""A simulated keypad lock service (Seam's access-code shape) with per-model rules and
faults, in process or served on 127.0.0.1 (`unitgate lock-sim`)."""

from adapters.lockservice.sim._app import lock_service_app
from adapters.lockservice.sim._faults import LockFaults
from adapters.lockservice.sim._service import SimulatedLockService

__all__ = ["LockFaults", "SimulatedLockService", "lock_service_app"]
