"""The lock registry, the facility's lock key and remote actions through the API."""

from __future__ import annotations

import time
import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import func, select

from engine.persistence.tables import AccessDecisionRecord, Door
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]


def _gate_without_bluetooth_lock(companies: Companies) -> str:
    a = companies.a
    with a.rt.db.transaction() as s:
        gate = s.get(Door, a.gate_id)
        assert gate is not None
        gate.lock_ref = "keypad-1"  # a lock, but not a registered Bluetooth lock
        s.add(gate)
    return a.gate_id


def _decisions(companies: Companies) -> int:
    with companies.a.rt.db.read() as s:
        return int(s.exec(select(func.count()).select_from(AccessDecisionRecord)).one())


def test_registering_gateways_and_locks_and_reading_them_back(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    base = f"/v1/facilities/{a.facility_id}"
    hub = client.post(
        f"{base}/gateways", json={"name": "hub 2", "url": "http://10.0.0.7:8091"}, headers=manager
    )
    assert hub.status_code == 201, hub.text
    lock_id = str(uuid.uuid4())
    body: dict[str, Any] = {"lock_id": lock_id, "name": "spare", "public_key": "aa" * 32}
    made = client.post(f"{base}/locks", json={**body, "gateway": "hub 2"}, headers=manager)
    assert made.status_code == 201, made.text
    assert (made.json()["gateway_name"], made.json()["door_id"]) == ("hub 2", None)
    other_key = client.post(
        f"{base}/locks", json={**body, "public_key": "bb" * 32}, headers=manager
    )
    assert other_key.status_code == 409  # a replaced lock is a new lock
    unknown = client.post(f"{base}/locks", json={**body, "gateway": "nowhere"}, headers=manager)
    assert unknown.status_code == 404
    assert "register it first" in unknown.json()["help"]
    listed = client.get(f"{base}/locks", headers=manager).json()
    assert lock_id in {lock["id"] for lock in listed}
    on_doors = [lock for lock in listed if lock["door_id"] is not None]
    assert on_doors and all(lock["status"] is None for lock in on_doors)  # never polled yet
    key = client.get(f"{base}/lock-key", headers=manager).json()
    again = client.get(f"{base}/lock-key", headers=manager).json()
    assert key == again  # made once, on first need
    assert key["trust"] == f"{key['key_id']}:{key['public_key']}"
    assert "seed" not in key


def test_a_door_without_a_bluetooth_lock_is_explained_before_any_decision(
    client: Client, companies: Companies
) -> None:
    door = _gate_without_bluetooth_lock(companies)
    before = _decisions(companies)
    refused = client.post(
        f"/v1/doors/{door}/remote-unlocks",
        json={"reason": "courier at the gate"},
        headers=companies.headers(companies.a, "manager"),
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "register it" in refused.json()["help"]
    assert _decisions(companies) == before


def test_an_allowed_remote_unlock_is_an_action_that_settles_with_its_outcome(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    answer = client.post(
        f"/v1/doors/{a.gate_id}/remote-unlocks",
        json={"reason": "courier at the gate"},
        headers=manager,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["allowed"] is True
    action = body["action"]
    assert (action["status"], action["decision_id"]) == ("pending", body["decision_id"])
    deadline = time.monotonic() + 10
    while True:
        polled = client.get(f"/v1/actions/{action['id']}", headers=manager).json()
        if polled["status"] != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    # nothing listens at the gateway's address
    assert (polled["status"], polled["error"], polled["confirmed_by_device"]) == (
        "error",
        "gateway_down",
        False,
    )
    tenant = client.get(f"/v1/actions/{action['id']}", headers=companies.headers(a, "tenant"))
    assert tenant.status_code == 403
