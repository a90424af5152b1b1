"""Tampering with the running service's log is caught: decisions over HTTP, a checkpoint the
log verifies against, then a decision row flipped in the database, reported by the CLI and
by the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from api.demo import DEMO_COMPANY_ID
from tests.support.service import Service

pytestmark = pytest.mark.slow


def test_a_flipped_decision_is_reported_by_cli_and_api(service: Service) -> None:
    maria = service.as_("maria@acme-storage.example", DEMO_COMPANY_ID, "employee")
    auditor = service.as_("ada@acme-storage.example", DEMO_COMPANY_ID, "employee")
    facility = service.get("/v1/facilities", maria)[0]["id"]
    gate = next(
        d for d in service.get(f"/v1/facilities/{facility}/doors", maria) if d["kind"] == "gate"
    )
    decisions = [
        service.post(f"/v1/doors/{gate['id']}/access-requests", {}, maria) for _ in range(3)
    ]

    service.cli("audit", "checkpoint", "-o", "checkpoint.json")
    held = service.cli("audit", "verify", "--against", "checkpoint.json")
    assert "audit log ok" in held.stdout and "held to the checkpoint" in held.stdout
    checkpoint = service.get("/v1/audit/checkpoint", auditor)
    assert facility in {c["facility_id"] for c in checkpoint["chains"]}
    assert service.post("/v1/audit/verify", checkpoint, auditor, expect=200)["ok"] is True

    flipped = decisions[1]
    engine = create_engine(service.database_url)
    with engine.begin() as conn:  # what the tenant's activity feed reads
        conn.execute(
            text("UPDATE access_decision SET allowed = NOT allowed WHERE id = :id"),
            {"id": flipped["decision_id"]},
        )
    engine.dispose()

    cli = service.cli("audit", "verify", check=False)
    assert cli.returncode == 1
    row = f"access_decision row {flipped['decision_id']} differs from it: `allowed`"
    assert f"BROKEN facility `{facility}`" in cli.stderr and row in cli.stderr
    api = service.get(f"/v1/facilities/{facility}/audit/verify", auditor)
    assert api["ok"] is False
    assert any(row in p for p in api["problems"])
    against = service.post("/v1/audit/verify", checkpoint, auditor, expect=200)
    assert against["ok"] is False
    assert any(row in p for p in against["problems"])
