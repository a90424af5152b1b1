"""The facility's daily keypad health check time is edited by `PATCH` (local `HH:MM`,
default 06:00), and the keypad-locks list shows each lock's backup pool."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from tests.unit.api.conftest import Companies


def test_the_health_check_time_is_a_facility_setting(
    client: TestClient[Litestar], companies: Companies
) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    before = client.get(f"/v1/facilities/{a.facility_id}", headers=manager)
    assert before.status_code == 200 and before.json()["codes_health_check_at"] == "06:00"
    changed = client.patch(
        f"/v1/facilities/{a.facility_id}", json={"codes_health_check_at": "08:15"}, headers=manager
    )
    assert changed.status_code == 200 and changed.json()["codes_health_check_at"] == "08:15"
    bad = client.patch(
        f"/v1/facilities/{a.facility_id}", json={"codes_health_check_at": "8 am"}, headers=manager
    )
    assert bad.status_code == 400 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    tenant = companies.headers(a, "tenant")
    refused = client.patch(
        f"/v1/facilities/{a.facility_id}", json={"codes_health_check_at": "09:00"}, headers=tenant
    )
    assert refused.status_code in (403, 404)
