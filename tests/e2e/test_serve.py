"""`make run` in miniature: migrate, load the demo, serve on loopback, read health and docs,
and open a gate with an operator's token, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from api.demo import DEMO_COMPANY_ID
from tests.support.service import Service

pytestmark = pytest.mark.slow


def test_served_health_and_docs(service: Service) -> None:
    health = service.get("/health")
    assert health["status"] == "ok"
    assert health["database"] == service.dialect
    assert health["schema_current"] is True
    docs = service.http.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    assert service.get("/docs/openapi.json")["info"]["title"] == "unitgate"


def test_operator_token_opens_a_gate_over_real_http(service: Service) -> None:
    """`unitgate api token` signs with the server's secret; the decision comes back logged."""
    issued = service.cli(
        "api",
        "token",
        "--email",
        "maria@acme-storage.example",
        "--company",
        DEMO_COMPANY_ID,
        "--role",
        "employee",
    )
    headers = {"Authorization": f"Bearer {issued.stdout.strip()}"}
    facilities = service.get("/v1/facilities", headers)
    doors = service.get(f"/v1/facilities/{facilities[0]['id']}/doors", headers)
    gate = next(d for d in doors if d["kind"] == "gate")
    decision = service.post(f"/v1/doors/{gate['id']}/access-requests", {}, headers)
    assert decision["rule"] in ("staff-pass-entry-points", "outside-access-hours")
    assert service.http.get("/v1/facilities").status_code == 401
    audit = service.cli("audit", "verify")
    assert "audit log ok" in audit.stdout


def test_demo_load_twice_duplicates_nothing(service: Service) -> None:
    """`make run` loads the demo at every start: the second load changes nothing."""
    before = service.get(
        "/v1/facilities", service.as_("maria@acme-storage.example", DEMO_COMPANY_ID, "employee")
    )
    again = service.cli("demo", "load")
    assert "already loaded, nothing changed" in again.stdout
    after = service.get(
        "/v1/facilities", service.as_("maria@acme-storage.example", DEMO_COMPANY_ID, "employee")
    )
    assert after == before
