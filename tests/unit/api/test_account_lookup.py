"""Regression (issue 20): nobody learns about another company's people through an email or a
person id. A key shared to an email shows the name the tenant gave, never the account's; an
id of someone outside the company is answered as an id nobody has. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from engine.domain import LifecycleEvent
from engine.persistence.tables import Role
from engine.runtime import Runtime
from tests.support.api import bearer
from tests.unit.api.conftest import Companies, _companies

Client = TestClient[Litestar]


@pytest.fixture
def both(runtime: Runtime) -> Companies:
    return _companies(runtime)


@pytest.fixture
def http(both: Companies) -> Iterator[Client]:
    with TestClient(both.app) as c:
        yield c


def test_sharing_a_key_to_an_email_does_not_reveal_the_name_on_its_account(
    http: Client, both: Companies
) -> None:
    a = both.a
    tenant = both.headers(a, "tenant")
    unit = a.units[0]
    # b1@t.example is B's tenant, whose account is called "Tenant b1".
    typed = http.post(f"/v1/units/{unit}/shares", json={"email": "B1@t.example"}, headers=tenant)
    assert typed.status_code == 201, typed.text
    assert typed.json()["grantee_name"] == "B1@t.example"
    named = http.post(
        f"/v1/units/{a.units[0]}/shares",
        json={"email": "b2@t.example", "name": "Bo"},
        headers=tenant,
    )
    assert named.json()["grantee_name"] == "Bo"
    listed = http.get(f"/v1/units/{unit}/shares", headers=tenant).json()
    assert sorted(s["grantee_name"] for s in listed) == ["B1@t.example", "Bo"]
    # The shared user opens the unit; the tenant's feed names them as the tenant did.
    b1 = both.tenant(both.b)
    opened = http.post(
        f"/v1/doors/{both.lock(a)}/access-requests",
        json={},
        headers=bearer(b1, a.company_id, "shared_user"),
    )
    assert opened.json()["allowed"] is True
    feed = http.get("/v1/me/activity", headers=tenant).text
    assert "Tenant b1" not in feed
    assert "Tenant b2" not in feed
    assert "key shared with B1@t.example" in feed
    assert "B1@t.example (shared_user) opened" in feed


def test_a_role_for_another_companys_person_is_answered_as_for_an_unknown_id(
    http: Client, both: Companies
) -> None:
    a = both.a
    manager = both.headers(a, "manager")
    with a.rt.db.read() as s:
        role = s.exec(select(Role.id).where(Role.company_id == a.company_id)).first()
    outsider = both.tenant(both.b)
    path = f"/v1/roles/{role}/assignments"
    foreign = http.post(path, json={"person_id": outsider}, headers=manager)
    unknown = http.post(path, json={"person_id": "no-such-person"}, headers=manager)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["detail"] == f"no person `{outsider}`"
    assert unknown.json()["detail"] == "no person `no-such-person`"
    assert {k: v for k, v in foreign.json().items() if k != "detail"} == {
        k: v for k, v in unknown.json().items() if k != "detail"
    }
    member = http.post(path, json={"person_id": both.tenant(a)}, headers=manager)
    assert member.status_code == 201  # A's own tenant belongs to A


def test_an_auction_winner_id_from_another_company_is_an_unknown_id(
    http: Client, both: Companies
) -> None:
    a = both.a
    a.pms(a.units[0], LifecycleEvent.DELINQUENT_OVER, "a1")
    manager = both.headers(a, "manager")
    marked = http.post(
        f"/v1/units/{a.units[0]}/pending-auction", json={"reason": "unpaid"}, headers=manager
    )
    assert marked.status_code == 201, marked.text
    start = a.rt.clock.now() + timedelta(hours=1)
    window = {
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(days=2)).isoformat(),
    }
    outsider = both.tenant(both.b)
    for person in (outsider, "no-such-person"):
        sale = http.post(
            f"/v1/units/{a.units[0]}/auction-sale",
            json={"reason": "sold", "winner": {"person_id": person}, **window},
            headers=manager,
        )
        assert sale.status_code == 400, sale.text
        assert sale.json()["detail"] == f"no person `{person}`"
