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
    assert decision["rule"] in ("staff-pass-entry-points", "outside-schedule")
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


def test_the_issues_bad_inputs_are_400_problems_over_real_http(service: Service) -> None:
    """Issue 20: share expiries without an offset (or in year 9999) and undecodable bodies
    were 500s; the dev-token route answers them without credentials."""
    olivia = service.as_("olivia@mail.example", DEMO_COMPANY_ID)
    unit = next(u for u in service.get("/v1/me/units", olivia) if u["relation"] == "tenant")
    for expiry in ("2030-01-01T00:00:00", "2030-01-01", "9999-12-31T23:59:59-01:00"):
        answer = service.http.post(
            f"/v1/units/{unit['unit_id']}/shares",
            json={"email": "e2e-friend@mail.example", "expires_at": expiry},
            headers=olivia,
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    for body, content_type in [
        (b"[" * 1000 + b"]" * 1000, "application/json"),
        (b'{"email": "caf\xe9"}', "application/json"),
        (b'{"email": "a\xc0\xaf"}', "application/json"),
        (b'{"email": "a\xed\xa0\x80"}', "application/json"),
        (b'{"email": "a"}', "application/json; charset=latin-1"),
    ]:
        answer = service.http.post(
            "/v1/dev/tokens", content=body, headers={"content-type": content_type}
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["title"] == "invalid input"
