"""Access requests, remote unlock and explain over HTTP, with what the tenant then sees."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import update

from engine.audit import verify_chain
from engine.domain import LifecycleEvent
from engine.locks import LockEvent, land_events
from engine.persistence import table_of
from engine.persistence.tables import AccessDecisionRecord, Door, LockDevice
from tests.support.api import bearer
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]


def _ask(client: Client, door: str, headers: dict[str, str], **body: object) -> dict[str, object]:
    response = client.post(f"/v1/doors/{door}/access-requests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_tenant_opens_own_unit_and_gets_an_unlock_authorisation(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    body = _ask(client, companies.lock(a), companies.headers(a, "tenant"))
    assert body["allowed"] is True
    assert body["rule"] == "tenant-opens-rented-unit"
    auth = body["authorization"]
    assert isinstance(auth, dict)
    assert auth["decision_id"] == body["decision_id"]
    assert auth["expires_at"] > body["at"]


def test_another_tenants_unit_is_denied_with_a_reason(client: Client, companies: Companies) -> None:
    a = companies.a
    body = _ask(client, companies.lock(a, 1), companies.headers(a, "tenant"))
    assert body["allowed"] is False
    assert body["authorization"] is None
    assert body["reason"]


def test_gatelocked_tenant_is_refused_at_the_gate_and_told_why(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    assert _ask(client, a.gate_id, companies.headers(a, "tenant"))["allowed"] is True
    a.pms(a.units[0], LifecycleEvent.DELINQUENT_GATE, "a1")
    body = _ask(client, a.gate_id, companies.headers(a, "tenant"))
    assert body["allowed"] is False
    assert body["rule"] is not None
    assert body["reason_code"] == "gatelocked"
    assert "pay" in str(body["reason"]).lower() or "office" in str(body["reason"]).lower()


def test_outside_access_hours_is_denied(client: Client, companies: Companies) -> None:
    a = companies.a
    a.rt.clock.advance(timedelta(hours=11))  # 23:00 UTC; the facility closes at 22:00
    body = _ask(client, companies.lock(a), companies.headers(a, "tenant"))
    assert (body["allowed"], body["rule"]) == (False, "outside-schedule")


def test_shared_key_works_until_revoked(client: Client, companies: Companies) -> None:
    a = companies.a
    tenant = companies.headers(a, "tenant")
    share = client.post(
        f"/v1/units/{a.units[0]}/shares",
        json={"email": "friend@mail.example", "name": "Friend"},
        headers=tenant,
    )
    assert share.status_code == 201, share.text
    friend = bearer(share.json()["grantee_id"], a.company_id, "shared_user")
    assert _ask(client, companies.lock(a), friend)["allowed"] is True
    revoked = client.delete(f"/v1/shares/{share.json()['id']}", headers=tenant)
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    body = _ask(client, companies.lock(a), friend)
    assert (body["allowed"], body["rule"]) == (False, "share-not-in-force")
    assert body["reason_code"] == "share_revoked"


def test_employee_access_to_a_rented_unit_is_in_the_tenants_feed(
    client: Client, companies: Companies
) -> None:
    """Invariant 10 and seed 001: the tenant sees every employee access, with its reason."""
    a = companies.a
    manager = companies.headers(a, "manager")
    remote = client.post(
        f"/v1/doors/{companies.lock(a)}/remote-unlocks",
        json={"reason": "tenant's phone locked inside"},
        headers=manager,
    )
    assert remote.status_code == 201, remote.text
    # An occupied tenant's unit does not open for an employee (invariant 6) ...
    assert remote.json()["allowed"] is False
    feed = client.get("/v1/me/activity", headers=companies.headers(a, "tenant")).json()
    accesses = [i for i in feed if i["kind"] == "access"]
    assert accesses[0]["actor_kind"] == "employee"
    assert "tenant's phone locked inside" in accesses[0]["summary"]
    # ... unless it is an identity-verified emergency (seed 001): then remote unlock works.
    emergency = client.post(
        f"/v1/units/{a.units[0]}/emergency",
        json={
            "reason": "tenant's phone locked inside",
            "identity_verification": "driver licence matches the lease",
            "minutes": 30,
        },
        headers=manager,
    )
    assert emergency.status_code == 201, emergency.text
    assert emergency.json()["unit"]["state"] == "pending_auction"
    remote = client.post(
        f"/v1/doors/{companies.lock(a)}/remote-unlocks",
        json={"reason": "opened for the tenant, identity verified"},
        headers=manager,
    ).json()
    assert remote["allowed"] is True
    feed = client.get("/v1/me/activity", headers=companies.headers(a, "tenant")).json()
    assert feed[0]["kind"] == "access"
    assert feed[0]["allowed"] is True
    assert feed[0]["actor_id"] == a.manager_id
    assert any(i["kind"] == "transition" and "identity verified" in i["summary"] for i in feed)
    # The emergency ends by itself (invariant 13): 31 minutes later the unit is closed again.
    a.rt.clock.advance(timedelta(minutes=31))
    late = client.post(
        f"/v1/doors/{companies.lock(a)}/remote-unlocks",
        json={"reason": "again"},
        headers=manager,
    ).json()
    assert late["allowed"] is False


def test_a_key_shared_with_the_manager_opens_from_their_phone(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    shared = client.post(
        f"/v1/units/{a.units[0]}/shares",
        json={"email": "manager@acme.example"},
        headers=companies.headers(a, "tenant"),
    )
    assert shared.status_code == 201
    body = _ask(client, companies.lock(a), companies.headers(a, "manager"))
    assert (body["allowed"], body["rule"]) == (True, "shared-key-opens-shared-unit")


def test_remote_unlock_is_refused_to_app_tokens(client: Client, companies: Companies) -> None:
    a = companies.a
    response = client.post(
        f"/v1/doors/{companies.lock(a)}/remote-unlocks",
        json={"reason": "let me in"},
        headers=companies.headers(a, "tenant"),
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_every_decision_is_in_the_verified_audit_chain(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    ids = [
        _ask(client, door, companies.headers(a, who))["decision_id"]
        for door in (a.gate_id, companies.lock(a), companies.lock(a, 1))
        for who in ("tenant", "tenant2", "manager")
    ]
    entries = client.get(
        f"/v1/facilities/{a.facility_id}/audit",
        params={"kind": "access_decision", "limit": 1000},
        headers=companies.headers(a, "manager"),
    ).json()
    assert sorted(e["payload"]["decision_id"] for e in entries) == sorted(ids)
    verified = client.get(
        f"/v1/facilities/{a.facility_id}/audit/verify", headers=companies.headers(a, "manager")
    ).json()
    assert verified["ok"] is True
    with a.rt.db.read() as s:
        assert verify_chain(s, a.rt.audit).ok


def test_explain_names_every_matching_rule(client: Client, companies: Companies) -> None:
    a = companies.a
    a.pms(a.units[0], LifecycleEvent.DELINQUENT_OVER, "a1")
    body = client.post(
        f"/v1/doors/{companies.lock(a)}/explain",
        json={"person_id": companies.tenant(a)},
        headers=companies.headers(a, "manager"),
    ).json()
    assert (body["allowed"], body["reason_code"]) == (False, "overlocked")
    [request] = body["requests"]
    assert request["request"]["unit_state"] == "overlock"
    assert request["reason_code"] == "overlocked"
    assert request["rule"] in request["matched"]
    assert "tenant-opens-rented-unit" in request["matched"]


def test_explain_needs_audit_permission_and_hides_other_companies_people(
    client: Client, companies: Companies
) -> None:
    a, b = companies.a, companies.b
    tenant = client.post(
        f"/v1/doors/{companies.lock(a)}/explain",
        json={"person_id": companies.tenant(a)},
        headers=companies.headers(a, "tenant"),
    )
    assert tenant.status_code == 403
    other = client.post(
        f"/v1/doors/{companies.lock(a)}/explain",
        json={"person_id": companies.tenant(b)},
        headers=companies.headers(a, "manager"),
    )
    assert other.status_code == 404


def test_my_units_show_which_doors_open_and_why_not(client: Client, companies: Companies) -> None:
    a = companies.a
    a.pms(a.units[0], LifecycleEvent.DELINQUENT_GATE, "a1")
    [unit] = client.get("/v1/me/units", headers=companies.headers(a, "tenant")).json()
    assert unit["state"] == "gatelock"
    assert {d["kind"] for d in unit["doors"]} == {"gate", "unit_lock"}
    assert all(d["allowed"] is False and d["reason"] for d in unit["doors"])
    assert {d["reason_code"] for d in unit["doors"]} == {"gatelocked"}


def test_a_denials_code_reaches_the_feed_and_the_audit_log_and_an_allowed_has_none(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    tenant = companies.headers(a, "tenant")
    allowed = _ask(client, companies.lock(a), tenant)
    assert (allowed["allowed"], allowed["reason_code"]) == (True, None)
    a.rt.clock.advance(timedelta(hours=11))  # 23:00 UTC: the facility closes at 22:00
    denied = _ask(client, companies.lock(a), tenant)
    assert denied["reason_code"] == "outside_schedule"
    feed = client.get("/v1/me/activity", headers=tenant).json()
    codes = [(i["allowed"], i["reason_code"]) for i in feed if i["kind"] == "access"]
    assert codes == [(False, "outside_schedule"), (True, None)]
    log = client.get(
        f"/v1/facilities/{a.facility_id}/audit", headers=companies.headers(a, "manager")
    )
    assert log.status_code == 200, log.text
    payloads = [e["payload"] for e in log.json() if e["kind"] == "access_decision"]
    by_id = {p["decision_id"]: p["reason_code"] for p in payloads}
    assert by_id[denied["decision_id"]] == "outside_schedule"
    assert by_id[allowed["decision_id"]] is None


def test_me_lists_facilities_across_companies(client: Client, companies: Companies) -> None:
    """Seed 000 step 7: one account, several companies; the app lets the tenant switch."""
    a, b = companies.a, companies.b
    # The PMS of company B moves in the same person (same email) as company A's tenant a1.
    b.pms(b.units[2], LifecycleEvent.MOVE_IN, "a1")
    assert companies.tenant(b, 2) == companies.tenant(a)
    me = client.get("/v1/me", headers=companies.headers(a, "tenant")).json()
    assert {f["company_id"] for f in me["facilities"]} == {a.company_id, b.company_id}
    assert me["company_id"] == a.company_id


def test_the_feed_takes_the_newest_accesses_by_time_not_by_id(
    client: Client, companies: Companies
) -> None:
    """Decision ids are unique but not in time order across API processes (each draws its
    ids ahead in blocks): the newest `limit` accesses are chosen by when they happened."""
    a = companies.a
    tenant = companies.headers(a, "tenant")
    first = _ask(client, companies.lock(a), tenant)["decision_id"]
    a.rt.clock.advance(timedelta(minutes=1))
    second = _ask(client, companies.lock(a), tenant)["decision_id"]
    table = table_of(AccessDecisionRecord)
    with a.rt.db.transaction() as s:  # the later decision gets the smaller id
        s.connection().execute(update(table).where(table.c.id == second).values(id=-1))
        s.connection().execute(update(table).where(table.c.id == first).values(id=second))
        s.connection().execute(update(table).where(table.c.id == -1).values(id=first))
    feed = client.get("/v1/me/activity?limit=1", headers=tenant).json()
    assert len(feed) == 1
    assert feed[0]["at"] == a.rt.clock.now().isoformat().replace("+00:00", "Z")


def test_a_manager_holding_the_tenants_share_unlocks_the_unit_remotely(
    both_companies: Companies,
) -> None:
    """Seed 001: a tenant shares a key with the manager so that the manager can help next
    time, also remotely; never without a live share, never for a delinquent unit."""
    companies = both_companies
    a = companies.a
    manager, tenant = companies.headers(a, "manager"), companies.headers(a, "tenant")
    lock = companies.lock(a)
    with TestClient(companies.app) as client:

        def remote(reason: str) -> dict[str, object]:
            response = client.post(
                f"/v1/doors/{lock}/remote-unlocks", json={"reason": reason}, headers=manager
            )
            assert response.status_code == 201, response.text
            return response.json()  # type: ignore[no-any-return]

        assert remote("no share yet")["allowed"] is False  # invariant 6
        share = client.post(
            f"/v1/units/{a.units[0]}/shares", json={"email": "manager@acme.example"}, headers=tenant
        )
        assert share.status_code == 201, share.text
        opened = remote("phone locked inside, tenant on the phone")
        assert (opened["allowed"], opened["rule"]) == (True, "shared-key-holder-unlocks-remotely")
        assert opened["authorization"] is not None
        assert opened["authorization"]["channel"] == "remote"  # type: ignore[index]
        feed = client.get("/v1/me/activity", headers=tenant).json()
        assert feed[0]["allowed"] is True and feed[0]["actor_id"] == a.manager_id
        assert "phone locked inside" in feed[0]["summary"]

        a.pms(a.units[0], LifecycleEvent.DELINQUENT_GATE, "a1")
        gatelocked = remote("again")
        assert (gatelocked["allowed"], gatelocked["rule"]) == (
            False,
            "delinquent-unit-opens-for-no-one",
        )
        a.pms(a.units[0], LifecycleEvent.CURRENT, "a1")
        assert remote("paid up")["allowed"] is True

        revoked = client.delete(f"/v1/shares/{share.json()['id']}", headers=tenant)
        assert revoked.status_code == 200
        after = remote("after the tenant revoked the share")
        assert (after["allowed"], after["rule"]) == (False, "share-not-in-force")


def test_a_lock_refusing_the_tenants_offline_key_shows_its_code_in_the_feed(
    client: Client, companies: Companies
) -> None:
    """The lock's own refusals, uploaded later: an expired offline key and a revoked one."""
    a = companies.a
    tenant = companies.tenant(a)
    at = a.rt.clock.now().replace(microsecond=0)
    with a.rt.db.transaction() as s:
        door = s.get(Door, companies.lock(a))
        assert door is not None and door.lock_ref is not None
        lock = s.get(LockDevice, door.lock_ref)
        assert lock is not None
        events = [
            LockEvent(1, "refused", at, "expired", 7, UUID(tenant)),
            LockEvent(2, "refused", at, "revoked", 7, UUID(tenant)),
            LockEvent(3, "refused", at, "motor_blocked", 7, UUID(tenant)),
        ]
        land_events(s, a.rt.audit, lock, events, via="phone", now=a.rt.clock.now())
    feed = client.get("/v1/me/activity", headers=companies.headers(a, "tenant")).json()
    refusals = sorted(
        (i["summary"].rsplit("event ", 1)[1], i["reason_code"])
        for i in feed
        if i["kind"] == "lock_event"
    )
    assert refusals == [
        ("1)", "offline_key_expired"),
        ("2)", "invalid_key"),
        ("3)", None),
    ]
