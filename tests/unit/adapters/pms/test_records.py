"""PMS records to lifecycle events and contact data; validation; CSV exports; signatures."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.pms import CsvExportConnector, PmsError, PmsRecord, SignatureError, sign, to_event
from adapters.pms._signature import signed_facility, verify
from engine.domain import LifecycleEvent

OCCUPIED = {
    "unit_ref": "A-1",
    "seq": 3,
    "status": "occupied",
    "tenant_ref": "T1",
    "rental_ref": "R1",
    "first_name": "Ana",
    "last_name": "Ruiz",
    "email": "ana@example.com",
    "phone": "+15550001",
    "lease_start": "2026-01-05",
}


@pytest.mark.parametrize(
    ("status", "delinquency", "event"),
    [
        ("occupied", "none", LifecycleEvent.CURRENT),
        ("occupied", "late", LifecycleEvent.CURRENT),
        ("occupied", "gatelock", LifecycleEvent.DELINQUENT_GATE),
        ("occupied", "overlock", LifecycleEvent.DELINQUENT_OVER),
        ("vacant", "none", LifecycleEvent.VACATE),
    ],
)
def test_status_and_delinquency_stage_map_to_events(
    status: str, delinquency: str, event: LifecycleEvent
) -> None:
    record = PmsRecord.model_validate({**OCCUPIED, "status": status, "delinquency": delinquency})
    ev = to_event(record, "unit-1")
    assert (ev.unit_id, ev.seq, ev.event) == ("unit-1", 3, event)
    assert (ev.tenant is None) == (status == "vacant")


def test_mobile_falls_back_to_the_primary_phone() -> None:
    no_mobile = to_event(PmsRecord.model_validate(OCCUPIED), "u").tenant
    assert no_mobile is not None
    assert (no_mobile.mobile, no_mobile.phone) == ("+15550001", "+15550001")
    both = to_event(PmsRecord.model_validate({**OCCUPIED, "mobile": "+15559999"}), "u").tenant
    assert both is not None
    assert (both.mobile, both.phone, both.name) == ("+15559999", "+15550001", "Ana Ruiz")
    assert both.lease_start == date(2026, 1, 5)


def test_an_occupied_unit_without_tenant_is_invalid() -> None:
    with pytest.raises(ValidationError, match="an occupied unit needs tenant_ref and lease_start"):
        PmsRecord.model_validate({"unit_ref": "A", "seq": 1, "status": "occupied"})


def test_csv_export_rows_with_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "F1.csv").write_text(
        "unit_ref,seq,status,delinquency,tenant_ref,lease_start,email\n"
        "A-1,1,vacant,,,,\n"
        "A-1,2,occupied,none,T1,2026-01-05,a@x.example\n"
        "A-2,x,vacant,,,,\n"
        "A-3,1,rented,,,,\n"
        "A-1,3,occupied,gatelock,T1,2026-01-05,a@x.example\n"
        "A-4,1,vacant,,,,,,,\n",
        encoding="utf-8",
    )
    connector = CsvExportConnector(tmp_path)
    [snapshot] = list(connector.snapshot("F1"))
    assert [(r.unit_ref, r.seq, r.delinquency.value) for r in snapshot.records] == [
        ("A-1", 3, "gatelock")
    ]
    assert [(r.where, r.error.split(":")[0]) for r in snapshot.rejected] == [
        ("F1.csv line 4", "`seq`"),
        ("F1.csv line 5", "`status`"),
        ("F1.csv line 7", "more cells than the header has columns"),
    ]
    first = connector.changes("F1", None, 2)
    assert [(r.unit_ref, r.seq) for r in first.records] == [("A-1", 1), ("A-1", 2)]
    assert (first.cursor, first.more) == ("3", True)
    rest = connector.changes("F1", first.cursor, 100)
    assert [(r.unit_ref, r.seq) for r in rest.records] == [("A-1", 3)]
    assert (rest.cursor, rest.more, len(rest.rejected)) == ("7", False, 3)


def test_csv_export_without_required_columns(tmp_path: Path) -> None:
    (tmp_path / "F1.csv").write_text("unit,seq\nA,1\n", encoding="utf-8")
    with pytest.raises(PmsError, match=r"F1.csv: line 1: missing column\(s\) unit_ref, status"):
        list(CsvExportConnector(tmp_path).snapshot("F1"))
    with pytest.raises(PmsError, match="cannot read"):
        list(CsvExportConnector(tmp_path).snapshot("F2"))


def test_signatures_bind_the_company_and_facility() -> None:
    body = b'{"records": []}'
    good = sign(b"s3cret", 1000, "C1", "F1", body)
    assert good.startswith("v2=")
    verify([b"s3cret"], good, "1000", "C1", "F1", body, now=1100)
    verify([b"old", b"s3cret"], good, "1000", "C1", "F1", body, now=1100)  # a rotation
    verify([b"s3cret"], f"v2=00, {good}", "1000", "C1", "F1", body, now=1100)  # two signed
    legacy = "sha256=" + hmac.new(b"s3cret", b"1000." + body, hashlib.sha256).hexdigest()
    for args, message in [
        (([b"other"], good, "1000", "C1", "F1", body, 1100), "does not match"),
        (([b"s3cret"], good, "1000", "C1", "F1", body + b" ", 1100), "does not match"),
        (([b"s3cret"], good, "1000", "C1", "F2", body, 1100), "does not match"),  # replayed
        (([b"s3cret"], good, "1000", "C2", "F1", body, 1100), "does not match"),
        (([b"s3cret"], good, "1000", "C1", "F1", body, 1000 + 301), "more than 300 s"),
        (([b"s3cret"], None, "1000", "C1", "F1", body, 1100), "missing"),
        (([b"s3cret"], good, "soon", "C1", "F1", body, 1100), "not Unix seconds"),
        (([b"s3cret"], legacy, "1000", "C1", "F1", body, 1100), "not bound to a facility"),
        (([b"s3cret"], "v3=ab", "1000", "C1", "F1", body, 1100), "no `v2=` signature"),
        (([], good, "1000", "C1", "F1", body, 1100), "does not match"),
    ]:
        with pytest.raises(SignatureError, match=message):
            verify(*args)  # type: ignore[arg-type]
    # A refused push names the facility it was signed for, when it was one of the company's.
    assert signed_facility([b"s3cret"], good, "1000", "C1", ["F2", "F1"], body) == "F1"
    assert signed_facility([b"s3cret"], good, "1000", "C2", ["F2", "F1"], body) is None
    assert signed_facility([b"s3cret"], legacy, "1000", "C1", ["F1"], body) is None
