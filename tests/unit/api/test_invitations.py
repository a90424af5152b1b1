"""Employees and invitations: invite by email, accept once with the code (no token needed),
act with the token; the answer never says whether the email had an account. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from engine.clock import ManualClock
from engine.domain import Permission
from engine.persistence.tables import Invitation, Role
from engine.runtime import Runtime
from engine.sites import add_person, assign_role, create_role
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


def _role(both: Companies, name: str, permissions: list[Permission]) -> str:
    with both.a.rt.db.transaction() as s:
        return create_role(s, both.a.company_id, name, permissions).id


def _invite(http: Client, both: Companies, email: str, role: str, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"email": email, "name": "New Person", "roles": [{"role_id": role, **extra}]}
    got = http.post("/v1/invitations", json=body, headers=both.headers(both.a, "manager"))
    assert got.status_code == 201, got.text
    return got.json()  # type: ignore[no-any-return]


def test_invite_accept_once_and_act_with_the_token(http: Client, both: Companies) -> None:
    a = both.a
    desk = _role(both, "Desk", [Permission.FACILITY_VIEW, Permission.ENTRY_OPEN])
    invited = _invite(http, both, "Nina@new.example", desk, facility_id=a.facility_id)
    assert invited["email"] == "nina@new.example"
    assert len(invited["code"]) >= 32
    with a.rt.db.read() as s:
        stored = s.exec(select(Invitation)).one()
    assert invited["code"] not in stored.code_hash  # only its hash is kept
    accepted = http.post("/v1/invitations/accept", json={"code": invited["code"]})
    assert accepted.status_code == 201, accepted.text
    token = {"Authorization": f"Bearer {accepted.json()['token']}"}
    assert accepted.json()["company_id"] == a.company_id
    facilities = http.get("/v1/facilities", headers=token)
    assert [f["id"] for f in facilities.json()] == [a.facility_id]
    gate = http.post(f"/v1/doors/{a.gate_id}/access-requests", json={}, headers=token)
    assert gate.json()["allowed"] is True
    again = http.post("/v1/invitations/accept", json={"code": invited["code"]})
    assert again.status_code == 409
    assert "used already" in again.json()["detail"]
    assert http.post("/v1/invitations/accept", json={"code": "x" * 32}).status_code == 404
    manager = both.headers(a, "manager")
    employees = http.get("/v1/employees", headers=manager).json()
    nina = next(e for e in employees if e["email"] == "nina@new.example")
    assert nina["roles"] == [{"role_id": desk, "role_name": "Desk", "facility_id": a.facility_id}]
    listed = http.get("/v1/invitations", headers=manager).json()
    assert listed[0]["accepted_at"] is not None
    assert "code" not in listed[0]
    kinds = http.get(f"/v1/facilities/{a.facility_id}/audit", headers=manager).json()
    assert {"invitation_created", "invitation_accepted"} <= {e["kind"] for e in kinds}


def test_an_expired_invitation_is_refused(
    http: Client, both: Companies, clock: ManualClock
) -> None:
    desk = _role(both, "Desk", [Permission.FACILITY_VIEW])
    invited = _invite(http, both, "late@new.example", desk)
    clock.advance(timedelta(hours=73))
    late = http.post("/v1/invitations/accept", json={"code": invited["code"]})
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(
    http: Client, both: Companies
) -> None:
    """B's tenant has an account; inviting their email looks exactly like inviting a new one,
    and the code alone does not hand over their account."""
    desk = _role(both, "Desk", [Permission.FACILITY_VIEW])
    known = _invite(http, both, "b1@t.example", desk)
    unknown = _invite(http, both, "nobody@t.example", desk)
    vary = {"id", "code", "email"}
    assert {k: v for k, v in known.items() if k not in vary} == {
        k: v for k, v in unknown.items() if k not in vary
    }
    b_tenant = both.tenant(both.b)
    taken = http.post("/v1/invitations/accept", json={"code": known["code"]})
    assert taken.status_code == 403
    other = bearer(both.tenant(both.a), both.a.company_id, "tenant")
    assert (
        http.post("/v1/invitations/accept", json={"code": known["code"]}, headers=other).status_code
        == 403
    )
    own = bearer(b_tenant, both.b.company_id, "tenant")
    accepted = http.post("/v1/invitations/accept", json={"code": known["code"]}, headers=own)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["person_id"] == b_tenant
    broken = {"Authorization": "Bearer not-a-token"}
    assert (
        http.post(
            "/v1/invitations/accept", json={"code": unknown["code"]}, headers=broken
        ).status_code
        == 401
    )


def test_an_inviter_gives_no_permission_they_lack(http: Client, both: Companies) -> None:
    a, rt = both.a, both.a.rt
    with rt.db.transaction() as s:
        hr = create_role(s, a.company_id, "HR", [Permission.SITES_MANAGE, Permission.FACILITY_VIEW])
        person = add_person(s, "Hana HR", rt.clock.now(), email="hana@acme.example")
        assign_role(s, person.id, hr.id)
        manager = s.exec(
            select(Role.id).where(Role.company_id == a.company_id, Role.name == "Manager")
        ).one()
        b_role = s.exec(select(Role.id).where(Role.company_id == both.b.company_id)).one()
    hana = bearer(person.id, a.company_id, "employee")
    body = {"email": "x@new.example", "name": "X", "roles": [{"role_id": manager}]}
    refused = http.post("/v1/invitations", json=body, headers=hana)
    assert refused.status_code == 403
    assert "which you do not hold" in refused.json()["detail"]
    own = {**body, "roles": [{"role_id": hr.id}]}
    assert http.post("/v1/invitations", json=own, headers=hana).status_code == 201
    foreign = {**body, "roles": [{"role_id": b_role}]}
    assert (
        http.post("/v1/invitations", json=foreign, headers=both.headers(a, "manager")).status_code
        == 404
    )
    assert http.get("/v1/employees", headers=both.headers(a, "tenant")).status_code == 403
