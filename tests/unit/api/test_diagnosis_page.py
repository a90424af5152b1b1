"""The diagnosis page escapes what the PMS and people typed (names, reasons, evidence)."""

from __future__ import annotations

from datetime import UTC, datetime

from api.diagnosis_page import render_diagnosis
from api.schemas import DiagnosisOut
from engine.diagnosis import Check, CheckStatus, Diagnosis, RentalDiagnosis


def test_text_from_outside_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    check = Check("rental", 1, "Rental", CheckStatus.FAIL, evil, {"unit": evil, "n": None}, evil)
    section = RentalDiagnosis("f", evil, "u", evil, "r", (check,))
    page = render_diagnosis(
        DiagnosisOut.of(
            Diagnosis("p", evil, datetime(2026, 1, 1, tzinfo=UTC).isoformat(), (section,))
        )
    )
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<tr class="check fail" data-check="rental">' in page
    assert "<dd>—</dd>" in page
