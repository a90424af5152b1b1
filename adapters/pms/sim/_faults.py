"""Faults the simulated PMS injects, each with its own probability per response."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["FaultInjector", "Faults"]


class Faults(BaseModel):
    """Probabilities (0–1) of each fault per API response (or per record where noted)."""

    timeout: float = Field(default=0.0, ge=0, le=1)
    """The response is held for `timeout_seconds` (clients should give up and retry)."""
    timeout_seconds: float = Field(default=1.0, ge=0, le=30)
    server_error: float = Field(default=0.0, ge=0, le=1)
    """HTTP 503 instead of the page."""
    truncated: float = Field(default=0.0, ge=0, le=1)
    """The page claims more records than it holds, or the body is cut off mid-JSON."""
    duplicate: float = Field(default=0.0, ge=0, le=1)
    """Per record: sent twice (in this page or again in the next)."""
    out_of_order: float = Field(default=0.0, ge=0, le=1)
    """Per record: held back and sent in a later page, after newer ones."""
    unknown_unit: float = Field(default=0.0, ge=0, le=1)
    """Per page: an extra record for a unit the PMS never told anyone about."""
    malformed: float = Field(default=0.0, ge=0, le=1)
    """Per page: an extra record missing required fields."""
    seed: int = 0


@dataclass
class FaultInjector:
    """Applies `Faults` to pages of records (state: records held back or to be repeated)."""

    faults: Faults = field(default_factory=Faults)
    held: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per facility: records held back to be sent late (out of order) or again."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.faults.seed)
        self.ghosts = 0

    def configure(self, faults: Faults) -> None:
        """Use new fault probabilities from now on."""
        self.faults = faults
        self.rng = random.Random(faults.seed)

    def roll(self, probability: float) -> bool:
        """True with `probability`."""
        return probability > 0 and self.rng.random() < probability

    def page(self, facility_ref: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records to send: late ones from before first, then this page's, mangled."""
        f = self.faults
        out = self.held.pop(facility_ref, [])
        later: list[dict[str, Any]] = []
        for record in records:
            if self.roll(f.out_of_order):
                later.append(record)
                continue
            out.append(record)
            if self.roll(f.duplicate):
                (out if self.rng.random() < 0.5 else later).append(dict(record))
        if later:
            self.held[facility_ref] = later
        if self.roll(f.unknown_unit):
            self.ghosts += 1
            out.append({"unit_ref": f"GHOST-{self.ghosts}", "seq": 1, "status": "vacant"})
        if self.roll(f.malformed):
            out.append({"unit_ref": "", "seq": "soon", "status": "rented"})
        return out
