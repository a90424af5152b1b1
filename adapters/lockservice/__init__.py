"""Keypad lock services: the HTTP client implementing `engine.codes.LockService`, and a
simulated service (`adapters.lockservice.sim`) with its HTTP app.

A vendor lock service is the outside world's data reached over the network, like a PMS:
its connector lives in `adapters` (which may import the engine's port and the model rules
the simulator enforces), not in `hardware`, which drives locks over Bluetooth and imports
nothing of the engine.
"""

from adapters.lockservice._http import HttpLockService

__all__ = ["HttpLockService"]
