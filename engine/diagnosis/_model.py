"""A diagnosis as a manager reads it: checks in seed 000's order, each with its evidence and
the fix to act on, and the first failing check named as the likely cause."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Check", "CheckStatus", "Diagnosis", "RentalDiagnosis"]


class CheckStatus(StrEnum):
    """What a check found: `unknown` when the data to tell is not there (never a guess)."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Check:
    """One item of the checklist."""

    name: str
    """Stable id (`rental`, `sync`, `unit_state`, ...)."""
    step: int
    """The step of seed 000's troubleshooting checklist it does."""
    title: str
    status: CheckStatus
    summary: str
    """One sentence: what was found."""
    evidence: dict[str, Any] = field(default_factory=dict)
    """The facts the status rests on (times in UTC, as ISO strings)."""
    fix: str | None = None
    """What a manager can do (None when nothing needs doing)."""


@dataclass(frozen=True)
class RentalDiagnosis:
    """The checklist for one of the tenant's rentals (or for a tenant without one)."""

    facility_id: str
    facility_name: str
    unit_id: str | None
    unit_number: str | None
    rental_id: str | None
    checks: tuple[Check, ...]

    @property
    def likely_cause(self) -> Check | None:
        """The first failing check, in the checklist's order."""
        return next((c for c in self.checks if c.status is CheckStatus.FAIL), None)


@dataclass(frozen=True)
class Diagnosis:
    """Every section of a tenant's diagnosis, at one instant."""

    person_id: str
    name: str
    at: str
    """When the facts were read (UTC, ISO)."""
    sections: tuple[RentalDiagnosis, ...]

    @property
    def failed(self) -> bool:
        """Whether any check of any section failed."""
        return any(s.likely_cause is not None for s in self.sections)
