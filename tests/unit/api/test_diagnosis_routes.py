"""`GET /v1/tenants/{id}/diagnosis`, its signed page link and page, and `app_seen_at`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import func, select

from engine.domain import LifecycleEvent
from engine.persistence.tables import AccessDecisionRecord, Person
from engine.runtime import Runtime
from engine.units import PmsEvent, PmsTenant, apply_pms_event
from tests.support.api import app_for, bearer
from tests.support.diagnosis import (
    E164,
    EMAIL,
    TENANT_REF,
    Healthy,
    break_battery,
    break_sync,
    healthy_tenant,
)
from tests.support.world import build_world


@pytest.fixture
def healthy(sqlite_runtime: Runtime) -> Healthy:
    return healthy_tenant(sqlite_runtime)


@pytest.fixture
def client(healthy: Healthy) -> Iterator[TestClient[Litestar]]:
    with TestClient(app_for(healthy.rt)) as c:
        yield c


def _manager(h: Healthy) -> dict[str, str]:
    return bearer(h.world.manager_id, h.world.company_id, "employee")


def _decisions(h: Healthy) -> int:
    with h.rt.db.read() as s:
        return int(s.exec(select(func.count()).select_from(AccessDecisionRecord)).one())


def test_a_manager_sees_every_check_pass_and_nothing_is_recorded(
    healthy: Healthy, client: TestClient[Litestar]
) -> None:
    before = _decisions(healthy)
    got = client.get(f"/v1/tenants/{healthy.person_id}/diagnosis", headers=_manager(healthy))
    assert got.status_code == 200, got.text
    body = got.json()
    (section,) = body["sections"]
    assert body["failed"] is False and section["likely_cause"] is None
    assert {c["status"] for c in section["checks"]} == {"pass"}
    assert "contact support" in section["next_step"]
    assert _decisions(healthy) == before  # a diagnosis is not an access attempt


def test_the_likely_cause_is_the_broken_item_found_by_pms_ref(
    healthy: Healthy, client: TestClient[Litestar]
) -> None:
    break_battery(healthy)
    got = client.get(f"/v1/tenants/{TENANT_REF}/diagnosis", headers=_manager(healthy)).json()
    assert got["failed"] is True
    cause = got["sections"][0]["likely_cause"]
    assert cause["name"] == "battery" and cause["step"] == 10
    assert got["sections"][0]["next_step"] == "Replace the battery."


def test_unknown_tenants_other_companies_and_tenants_are_refused(
    healthy: Healthy, client: TestClient[Litestar]
) -> None:
    missing = client.get("/v1/tenants/nobody/diagnosis", headers=_manager(healthy))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "`nobody`" in missing.json()["detail"]
    other = build_world(healthy.rt, name="Bolt")
    elsewhere = bearer(other.manager_id, other.company_id, "employee")
    assert (
        client.get(f"/v1/tenants/{healthy.person_id}/diagnosis", headers=elsewhere).status_code
        == 404
    )
    tenant = bearer(healthy.person_id, healthy.world.company_id, "tenant")
    assert (
        client.get(f"/v1/tenants/{healthy.person_id}/diagnosis", headers=tenant).status_code == 403
    )


def test_the_signed_link_opens_the_page_and_nothing_else(
    healthy: Healthy, client: TestClient[Litestar]
) -> None:
    break_battery(healthy)
    made = client.post(f"/v1/tenants/{healthy.person_id}/diagnosis/link", headers=_manager(healthy))
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "no-store" in page.headers["cache-control"]
    assert "Likely cause (step 10, Lock battery)" in page.text
    token = url.split("t=", 1)[1]
    assert client.get(url[:-4] + "AAAA").status_code == 401  # tampered
    assert client.get(f"/portal/tenants/someone-else/diagnosis?t={token}").status_code == 401
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_app_calling_sets_app_seen_at_at_most_once_a_minute(
    healthy: Healthy, client: TestClient[Litestar]
) -> None:
    def seen() -> object:
        with healthy.rt.db.read() as s:
            person = s.get(Person, healthy.person_id)
            assert person is not None
            return person.app_seen_at

    tenant = bearer(healthy.person_id, healthy.world.company_id, "tenant")
    clock = healthy.rt.clock
    assert client.get("/v1/me", headers=tenant).status_code == 200
    first = seen()
    assert first == clock.now()
    clock.advance(timedelta(seconds=30))  # type: ignore[attr-defined]
    door = f"/v1/doors/{healthy.world.gate_id}/access-requests"
    assert client.post(door, json={"channel": "phone_relay"}, headers=tenant).status_code == 201
    assert seen() == first
    clock.advance(timedelta(seconds=31))  # type: ignore[attr-defined]
    assert client.post(door, json={"channel": "phone_relay"}, headers=tenant).status_code == 201
    assert seen() == clock.now()
    manager_calls = client.get("/v1/me", headers=_manager(healthy))
    assert manager_calls.status_code in (200, 404) and seen() == clock.now()


def test_the_sync_api_says_it_lags_by_the_rule_the_diagnosis_uses(
    healthy: Healthy, client: TestClient[Litestar]
) -> None:
    status = f"/v1/facilities/{healthy.world.facility_id}/sync"
    assert client.get(status, headers=_manager(healthy)).json()["lagging"] is None
    break_sync(healthy)
    lagging = client.get(status, headers=_manager(healthy)).json()["lagging"]
    assert lagging == "an event received 10 min ago is not applied yet"
    got = client.get(f"/v1/tenants/{healthy.person_id}/diagnosis", headers=_manager(healthy))
    assert got.json()["sections"][0]["likely_cause"]["name"] == "sync"


def test_a_tenant_of_two_units_gets_a_section_for_each(
    healthy: Healthy, client: TestClient[Litestar]
) -> None:
    rt, world = healthy.rt, healthy.world
    lease = rt.clock.now().date()
    tenant = PmsTenant(TENANT_REF, "Alex Tenant", lease, email=EMAIL, mobile=E164)
    with rt.db.transaction() as s:
        event = PmsEvent(world.units[1], 1, LifecycleEvent.MOVE_IN, tenant)
        apply_pms_event(s, rt.lifecycle, event)
    break_battery(healthy)
    url = f"/v1/tenants/{healthy.person_id}/diagnosis"
    got = client.get(url, headers=_manager(healthy)).json()
    assert [s["unit_number"] for s in got["sections"]] == ["U001", "U002"]
    assert got["sections"][0]["likely_cause"]["name"] == "battery"
    assert got["sections"][1]["checks"][0]["status"] == "pass"  # its rental is processed
    elsewhere = client.get(url, params={"facility_id": "nowhere"}, headers=_manager(healthy))
    assert elsewhere.status_code == 404
