"""A tenant's diagnosis (seed 000's checklist) as the API answers it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from engine.diagnosis import Check, Diagnosis, RentalDiagnosis

__all__ = ["CheckOut", "DiagnosisLinkOut", "DiagnosisOut", "DiagnosisSectionOut"]

SUPPORT = (
    "Every check passes: contact support with the tenant's name and contact details, a "
    "description of the issue and the steps already taken (seed 000 step 11)."
)


class CheckOut(BaseModel):
    """One item of the checklist."""

    name: str = Field(description="stable id: rental, sync, unit_state, mobile, email, ...")
    step: int = Field(description="the step of seed 000's troubleshooting checklist")
    title: str
    status: Literal["pass", "fail", "unknown"] = Field(
        description="`unknown`: the data to tell is not there (never a guessed pass)"
    )
    summary: str
    evidence: dict[str, Any]
    fix: str | None = Field(description="what a manager can do (None: nothing to do)")

    @classmethod
    def of(cls, c: Check) -> CheckOut:
        return cls(
            name=c.name,
            step=c.step,
            title=c.title,
            status=c.status.value,
            summary=c.summary,
            evidence=c.evidence,
            fix=c.fix,
        )


class DiagnosisSectionOut(BaseModel):
    """The checklist for one rental (or for a tenant without an active rental)."""

    facility_id: str
    facility_name: str
    unit_id: str | None
    unit_number: str | None
    rental_id: str | None
    likely_cause: CheckOut | None = Field(description="the first failing check")
    next_step: str = Field(description="the likely cause's fix, or contacting support")
    checks: list[CheckOut]

    @classmethod
    def of(cls, s: RentalDiagnosis) -> DiagnosisSectionOut:
        cause = s.likely_cause
        return cls(
            facility_id=s.facility_id,
            facility_name=s.facility_name,
            unit_id=s.unit_id,
            unit_number=s.unit_number,
            rental_id=s.rental_id,
            likely_cause=CheckOut.of(cause) if cause else None,
            next_step=(cause.fix or cause.summary) if cause else SUPPORT,
            checks=[CheckOut.of(c) for c in s.checks],
        )


class DiagnosisOut(BaseModel):
    """A tenant's diagnosis: one section per active rental, read at one instant."""

    person_id: str
    name: str
    at: datetime
    failed: bool = Field(description="some check of some section failed")
    sections: list[DiagnosisSectionOut]

    @classmethod
    def of(cls, d: Diagnosis) -> DiagnosisOut:
        return cls(
            person_id=d.person_id,
            name=d.name,
            at=datetime.fromisoformat(d.at),
            failed=d.failed,
            sections=[DiagnosisSectionOut.of(s) for s in d.sections],
        )


class DiagnosisLinkOut(BaseModel):
    """A short-lived address of the diagnosis page, for the office's browser."""

    url: str = Field(description="path of the page, with its signed token")
    expires_at: datetime
