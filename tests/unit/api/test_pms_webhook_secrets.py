"""Webhook signatures are bound to the facility; per-company secrets rotate with an overlap;
what badly signed pushes can make the service store is bounded. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from adapters.pms import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from adapters.pms.sim import PmsModel
from adapters.sync import KEPT_BYTES, PER_ADDRESS_PER_MINUTE
from engine.clock import ManualClock
from engine.domain import Permission
from engine.persistence.tables import PmsRejection, Unit
from engine.runtime import Runtime
from engine.sites import add_person, add_unit, assign_role, create_facility, create_role
from tests.support.api import app_for, bearer
from tests.support.pms import LinkedFacility, link_facility

FALLBACK = "deployment-wide-webhook-secret"


@pytest.fixture
def linked(runtime: Runtime) -> LinkedFacility:
    return link_facility(runtime, PmsModel.build(["F1"], 3, seed=1), "F1")


@pytest.fixture
def sibling(runtime: Runtime, linked: LinkedFacility) -> LinkedFacility:
    """A second facility of the same company, with a unit of the same PMS ref."""
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        facility = create_facility(s, linked.company_id, "Acme F2", now, pms_ref="F2")
        unit = add_unit(s, facility.id, "F1-000001", now, pms_ref="F1-000001")
        return LinkedFacility(facility.id, "F2", {"F1-000001": unit.id}, linked.company_id)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient[Litestar]]:
    with TestClient(app_for(runtime, pms_webhook_secret=FALLBACK)) as c:
        yield c


def _manager(rt: Runtime, company_id: str, *, facility_id: str | None = None) -> dict[str, str]:
    """An employee holding `sync.manage` company-wide (or at one facility only)."""
    now = rt.clock.now()
    with rt.db.transaction() as s:
        role = create_role(s, company_id, f"Sync {facility_id}", [Permission.SYNC_MANAGE])
        person = add_person(s, "Sync Manager", now, email=f"sync-{facility_id}@acme.example")
        assign_role(s, person.id, role.id, facility_id=facility_id)
        return bearer(person.id, company_id, "employee")


def _move_in(seq: int, unit_ref: str = "F1-000001") -> dict[str, Any]:
    return {
        "unit_ref": unit_ref,
        "seq": seq,
        "status": "occupied",
        "tenant_ref": "T1",
        "email": "t1@mail.example",
        "lease_start": "2025-12-01",
    }


def _signed(
    linked: LinkedFacility, records: list[dict[str, Any]], secret: str = FALLBACK
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"records": records}).encode()
    now = int(time.time())
    signature = sign(secret.encode(), now, linked.company_id, linked.facility_id, body)
    return body, {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: str(now)}


def _post(client: TestClient[Litestar], facility_id: str, body: bytes, headers: Any) -> Any:
    return client.post(f"/v1/pms/webhooks/{facility_id}", content=body, headers=headers)


def _state(rt: Runtime, unit_id: str) -> str:
    with rt.db.read() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        return unit.state


def _rejections(rt: Runtime, facility_id: str) -> list[PmsRejection]:
    with rt.db.read() as s:
        return list(s.exec(select(PmsRejection).where(PmsRejection.facility_id == facility_id)))


def test_a_push_replayed_to_another_facility_is_refused_and_recorded(
    client: TestClient[Litestar], runtime: Runtime, linked: LinkedFacility, sibling: LinkedFacility
) -> None:
    body, headers = _signed(linked, [_move_in(2)])
    replayed = _post(client, sibling.facility_id, body, headers)
    assert replayed.status_code == 401, replayed.text
    assert replayed.headers["content-type"].startswith("application/problem+json")
    assert _state(runtime, sibling.unit_ids["F1-000001"]) == "available"
    [refusal] = _rejections(runtime, sibling.facility_id)
    assert refusal.where == "webhook signature"
    assert f"signed for facility `{linked.facility_id}`, not this one" in refusal.error
    assert refusal.address == "testclient"
    # Where it was signed for, the same push applies.
    assert _post(client, linked.facility_id, body, headers).status_code == 202
    assert _state(runtime, linked.unit_ids["F1-000001"]) == "occupied"


def test_the_old_unbound_signature_is_refused_with_why(
    client: TestClient[Litestar], runtime: Runtime, linked: LinkedFacility
) -> None:
    body, headers = _signed(linked, [_move_in(2)])
    stamp = headers[TIMESTAMP_HEADER]
    mac = hmac.new(FALLBACK.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    old = _post(client, linked.facility_id, body, {**headers, SIGNATURE_HEADER: f"sha256={mac}"})
    assert old.status_code == 401
    assert "not bound to a facility" in old.json()["detail"]
    assert "not bound to a facility" in _rejections(runtime, linked.facility_id)[0].error


def test_company_secrets_rotate_with_an_overlap(
    client: TestClient[Litestar], runtime: Runtime, clock: ManualClock, linked: LinkedFacility
) -> None:
    manager = _manager(runtime, linked.company_id)
    assert client.get("/v1/pms/webhook-secrets", headers=manager).json() == []
    first = client.post("/v1/pms/webhook-secrets", json={"overlap_hours": 2}, headers=manager)
    assert first.status_code == 201, first.text
    one = first.json()
    assert (one["verifying"], one["retires_at"], len(one["secret"])) == (True, None, 64)
    # The company has its own secret now: the deployment-wide one no longer verifies it.
    assert _post(client, linked.facility_id, *_signed(linked, [_move_in(2)])).status_code == 401
    seq = iter(range(2, 100))

    def push(secret: str) -> int:
        response = _post(
            client, linked.facility_id, *_signed(linked, [_move_in(next(seq))], secret)
        )
        return int(response.status_code)

    assert push(one["secret"]) == 202
    second = client.post("/v1/pms/webhook-secrets", json={"overlap_hours": 2}, headers=manager)
    two = second.json()
    assert push(one["secret"]) == 202  # the overlap: both verify
    assert push(two["secret"]) == 202
    listed = client.get("/v1/pms/webhook-secrets", headers=manager).json()
    assert [s["id"] for s in listed] == [two["id"], one["id"]]
    assert all("secret" not in s for s in listed)  # shown once, never again
    assert listed[1]["retires_at"] is not None
    assert listed[1]["fingerprint"] == hashlib.sha256(one["secret"].encode()).hexdigest()[:12]
    clock.advance(timedelta(hours=2, seconds=1))
    assert push(one["secret"]) == 401  # retired
    assert push(two["secret"]) == 202
    listed = client.get("/v1/pms/webhook-secrets", headers=manager).json()
    assert [s["verifying"] for s in listed] == [True, False]
    # Rotating with no overlap retires the current one at once.
    three = client.post("/v1/pms/webhook-secrets", json={"overlap_hours": 0}, headers=manager)
    assert push(two["secret"]) == 401
    assert push(three.json()["secret"]) == 202


def test_secrets_need_sync_manage_company_wide_and_stay_in_their_company(
    client: TestClient[Litestar], runtime: Runtime, linked: LinkedFacility
) -> None:
    local = _manager(runtime, linked.company_id, facility_id=linked.facility_id)
    refused = client.post("/v1/pms/webhook-secrets", json={}, headers=local)
    assert refused.status_code == 403
    assert "whole company" in refused.json()["detail"]
    manager = _manager(runtime, linked.company_id)
    other = link_facility(runtime, PmsModel.build(["F9"], 1, seed=2), "F9", "Other")
    mine = client.post("/v1/pms/webhook-secrets", json={}, headers=manager).json()
    assert mine["company_id"] == linked.company_id
    # Another company's facility: not this company's secret, still the deployment-wide one.
    ref = next(iter(other.unit_ids))
    assert (
        _post(
            client, other.facility_id, *_signed(other, [_move_in(2, ref)], mine["secret"])
        ).status_code
        == 401
    )
    assert _post(client, other.facility_id, *_signed(other, [_move_in(3, ref)])).status_code == 202
    bad = client.post(
        "/v1/pms/webhook-secrets",
        json={"overlap_hours": 721},
        headers=manager,
    )
    assert bad.status_code == 400


def test_badly_signed_posts_store_at_most_the_cap_and_count_the_rest(
    client: TestClient[Litestar], runtime: Runtime, linked: LinkedFacility
) -> None:
    manager = _manager(runtime, linked.company_id)
    junk = b'{"records": [' + b"x" * 60_000 + b"]}"
    for _ in range(50):
        response = _post(
            client,
            linked.facility_id,
            junk,
            {SIGNATURE_HEADER: "v2=00", TIMESTAMP_HEADER: str(int(time.time()))},
        )
        assert response.status_code == 401
    kept = _rejections(runtime, linked.facility_id)
    assert len(kept) == PER_ADDRESS_PER_MINUTE
    assert all(len(r.payload) <= KEPT_BYTES for r in kept)
    assert all("body of 60015 bytes, the first 1024 kept" in r.error for r in kept)
    status = client.get(f"/v1/facilities/{linked.facility_id}/sync", headers=manager).json()
    assert status["rejections_dropped"] == 50 - PER_ADDRESS_PER_MINUTE
    assert status["last_dropped_address"] == "testclient"
    assert len(status["rejected"]) == PER_ADDRESS_PER_MINUTE
    assert status["rejected"][0]["address"] == "testclient"
    # A push signed as it should be still applies, and is not limited.
    ok = _post(client, linked.facility_id, *_signed(linked, [_move_in(2)]))
    assert ok.status_code == 202, ok.text
    assert ok.json()["outcomes"] == {"applied": 1}
