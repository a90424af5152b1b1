"""Link faults the simulated lock injects: scripted counts and random rates."""

from __future__ import annotations

import random
from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["FAULTS", "FaultName", "FaultRates", "LinkFaults"]

FaultName = Literal[
    "drop_request", "drop_reply", "corrupt_reply", "truncate_reply", "disconnect_mid_command"
]
FAULTS: tuple[FaultName, ...] = (
    "drop_request",
    "drop_reply",
    "corrupt_reply",
    "truncate_reply",
    "disconnect_mid_command",
)


class FaultRates(BaseModel):
    """Probabilities (0–1) per frame of each fault, for soak runs (`--faults` JSON)."""

    drop_request: float = Field(default=0.0, ge=0, le=1)
    """A frame written to the lock is lost before the lock sees it."""
    drop_reply: float = Field(default=0.0, ge=0, le=1)
    """The lock's final reply is lost."""
    corrupt_reply: float = Field(default=0.0, ge=0, le=1)
    """One byte of a reply is flipped."""
    truncate_reply: float = Field(default=0.0, ge=0, le=1)
    """A reply loses its second half."""
    disconnect_mid_command: float = Field(default=0.0, ge=0, le=1)
    """The link drops after the motor moved and before the lock confirmed."""
    delay_seconds: float = Field(default=0.0, ge=0, le=30)
    """Every reply waits this long."""
    seed: int = 0
    """Seed of the random draws."""


class LinkFaults:
    """What goes wrong on the next frames: `arm` scripts counts, `rates` adds randomness."""

    def __init__(self, rates: FaultRates | None = None) -> None:
        self.rates = rates or FaultRates()
        """Random fault probabilities."""
        self._armed: Counter[str] = Counter()
        self._rng = random.Random(self.rates.seed)
        self.delay = self.rates.delay_seconds
        """Seconds each reply waits before it is sent."""
        self.offline = False
        """No connection can be made (out of range, battery out, powered off)."""
        self.applied: Counter[str] = Counter()
        """Faults injected so far, by name."""

    def arm(self, fault: FaultName, times: int = 1) -> None:
        """Make the next `times` occasions of `fault` happen for certain."""
        self._armed[fault] += times

    def configure(self, rates: FaultRates) -> None:
        """Use new random rates from now on."""
        self.rates = rates
        self.delay = rates.delay_seconds
        self._rng = random.Random(rates.seed)

    def take(self, fault: FaultName) -> bool:
        """Whether `fault` happens now (consuming one armed occurrence)."""
        hit = False
        if self._armed[fault] > 0:
            self._armed[fault] -= 1
            hit = True
        else:
            rate: float = getattr(self.rates, fault)
            hit = rate > 0 and self._rng.random() < rate
        if hit:
            self.applied[fault] += 1
        return hit

    def corrupt(self, frame: bytes) -> bytes:
        """`frame` with one byte flipped."""
        position = self._rng.randrange(len(frame))
        return frame[:position] + bytes([frame[position] ^ 0x5A]) + frame[position + 1 :]
