"""Activations and tenant notifications over HTTP: redeem, an employee's view and resend,
the messages decisions cause, and the facility's switch for them."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from engine.persistence.tables import OutboxMessage
from tests.support.api import bearer
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]


def _messages(companies: Companies, kind: str) -> list[OutboxMessage]:
    with companies.a.rt.db.read() as s:
        rows = s.exec(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.facility_id == companies.a.facility_id)
            .order_by(col(OutboxMessage.created_at), col(OutboxMessage.idempotency_key))
        ).all()
        return list(rows)


def _code_of(companies: Companies, email: str) -> str:
    [message] = [m for m in _messages(companies, "activation") if m.recipient == email]
    assert message.secret is not None
    return message.secret


def test_redeem_gives_a_token_once_and_hides_whether_a_contact_exists(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    code = _code_of(companies, "a1@t.example")
    wrong = "000000" if code != "000000" else "111111"
    refusals = [
        client.post("/v1/activations/redeem", json={"contact": "a1@t.example", "code": wrong}),
        client.post("/v1/activations/redeem", json={"contact": "nobody@x.example", "code": code}),
    ]
    assert [r.status_code for r in refusals] == [400, 400]
    assert refusals[0].json()["detail"] == refusals[1].json()["detail"]
    assert refusals[0].headers["content-type"].startswith("application/problem+json")
    got = client.post("/v1/activations/redeem", json={"contact": "A1@t.example", "code": code})
    assert got.status_code == 201, got.text
    body = got.json()
    assert (body["company_id"], body["facility_id"]) == (a.company_id, a.facility_id)
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["email"] == "a1@t.example"
    again = client.post("/v1/activations/redeem", json={"contact": "a1@t.example", "code": code})
    assert again.status_code == 400
    both = client.post(
        "/v1/activations/redeem", json={"contact": "a1@t.example", "link": "x.1", "code": code}
    )
    assert both.status_code == 400


def test_employees_see_and_resend_an_activation_within_a_rate(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    path = f"/v1/units/{a.units[0]}/activation"
    state = client.get(path, headers=manager)
    assert state.status_code == 200, state.text
    got = state.json()
    assert (got["status"], got["channel"], got["recipient"]) == ("sent", "email", "a1@t.example")
    assert got["message"]["status"] == "queued" and got["sends"] == 1
    assert client.get(path, headers=companies.headers(a, "tenant")).status_code == 403
    assert client.get(f"/v1/units/{a.units[2]}/activation", headers=manager).status_code == 404
    resent = client.post(f"{path}/resend", headers=manager)
    assert resent.status_code == 201, resent.text
    assert resent.json()["sends"] == 2 and resent.json()["message"]["id"] != got["message"]["id"]
    assert client.post(f"{path}/resend", headers=manager).status_code == 201
    limited = client.post(f"{path}/resend", headers=manager)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.headers["content-type"].startswith("application/problem+json")
    audit = client.get(
        f"/v1/facilities/{a.facility_id}/audit?kind=activation_resent", headers=manager
    ).json()
    assert len(audit) == 2


def _open(client: Client, companies: Companies, headers: dict[str, str]) -> bool:
    door = companies.lock(companies.a)
    got = client.post(f"/v1/doors/{door}/access-requests", json={}, headers=headers)
    assert got.status_code == 201, got.text
    return bool(got.json()["allowed"])


def test_the_tenant_hears_of_employee_opens_and_a_shares_first_use(
    both_companies: Companies,
) -> None:
    """On PostgreSQL too: a decision that tells the tenant takes the recorder's locking path
    (one transaction for the decision and its message) instead of the single statement."""
    with TestClient(both_companies.app) as client:
        _opens_and_first_use(client, both_companies)


def _opens_and_first_use(client: Client, companies: Companies) -> None:
    a = companies.a
    tenant, manager = companies.headers(a, "tenant"), companies.headers(a, "manager")
    share = client.post(
        f"/v1/units/{a.units[0]}/shares", json={"email": "friend@mail.example"}, headers=tenant
    ).json()
    friend = bearer(share["grantee_id"], a.company_id, "shared_user")
    assert _open(client, companies, friend) and _open(client, companies, friend)
    [first] = _messages(companies, "share_first_used")
    assert first.idempotency_key == f"share_first_used/{share['id']}"
    assert (first.recipient, first.payload["grantee_label"]) == (
        "a1@t.example",
        "friend@mail.example",
    )
    assert first.payload["used_at"].startswith("2026-01-01 12:00")
    client.post(
        f"/v1/units/{a.units[0]}/shares", json={"email": "manager@acme.example"}, headers=tenant
    )
    assert _open(client, companies, manager)
    [opened] = _messages(companies, "employee_opened_unit")
    assert (opened.payload["reason"], opened.payload["employee_name"]) == (
        "shared key",
        "Acme Manager",
    )
    off = client.patch(
        f"/v1/facilities/{a.facility_id}",
        json={"notifications_off": ["employee_opened_unit"]},
        headers=manager,
    )
    assert off.status_code == 200 and off.json()["notifications_off"] == ["employee_opened_unit"]
    assert _open(client, companies, manager)
    assert len(_messages(companies, "employee_opened_unit")) == 1
    bad = client.patch(
        f"/v1/facilities/{a.facility_id}",
        json={"notifications_off": ["activation"]},
        headers=manager,
    )
    assert bad.status_code == 400


def test_an_emergency_open_is_told_to_the_tenant(client: Client, companies: Companies) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    assert not _open(client, companies, manager)  # invariant 6: not without a reason
    emergency = client.post(
        f"/v1/units/{a.units[0]}/emergency",
        json={
            "reason": "water leak",
            "identity_verification": "fire brigade on site",
            "minutes": 30,
        },
        headers=manager,
    )
    assert emergency.status_code == 201, emergency.text
    assert _open(client, companies, manager)
    [opened] = _messages(companies, "employee_opened_unit")
    assert (opened.payload["reason"], opened.recipient) == ("emergency", "a1@t.example")
    assert opened.idempotency_key.startswith("employee_opened_unit/")
