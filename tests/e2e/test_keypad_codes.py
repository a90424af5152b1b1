"""Keypad codes on the real server, over HTTP only, with `unitgate lock-sim` as the lock
service on loopback: a PMS move-in gives the tenant a code on the gate keypad within
seconds, a delinquency (gatelock) takes it off, a payment puts the same number back; the
portal shows the lock's capacity and the code masked, and a manager's reveal is audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.demo import DEMO_COMPANY_ID
from api.demo.run import DemoClient, set_up_site
from tests.support import sims
from tests.support.service import DEMO_MANAGER, Service, demo_copy_service, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lock_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`unitgate lock-sim` as its own process on a free loopback port; its base URL."""
    with sims.lock_sim(tmp_path_factory.mktemp("lock-sim")) as url:
        yield url


@pytest.fixture(scope="module")
def keypad_service(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    service_kind: str,
    lock_sim: str,
) -> Iterator[Service]:
    """`unitgate serve` with the demo, reconciling keypad codes with the lock simulator."""
    with demo_copy_service(
        request.getfixturevalue("demo_database"),
        tmp_path_factory.mktemp(f"keypad-{service_kind}"),
        service_kind,
        UNITGATE_LOCK_SERVICE_URL=lock_sim,
        UNITGATE_LOCK_POLL_IN_SERVE="false",
    ) as served:
        yield served


def _gate_codes(lock_sim: str, device: str) -> list[dict[str, Any]]:
    state = httpx.get(f"{lock_sim}/control/state", timeout=10).json()
    return list(state["devices"].get(device, []))


def test_a_move_in_gives_a_gate_code_a_gatelock_takes_it_a_payment_restores_it(
    keypad_service: Service, lock_sim: str
) -> None:
    service = keypad_service
    manager = service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
    tag = f"k{uuid.uuid4().hex[:8]}"
    device = f"kp-{tag}-gate"
    added = httpx.post(
        f"{lock_sim}/control/devices", json={"device_id": device, "model": "nuki_keypad"}
    )
    assert added.status_code == 200, added.text
    client = DemoClient(service.base, http=service.http)
    site = set_up_site(client, ("U1",), keypad=device, label="Keypad")
    fid = site.facility_id

    def push(**record: Any) -> None:
        site.push("U1", status="occupied", **site.tenant("kim"), **record)

    def set_code() -> str | None:
        codes = [c for c in _gate_codes(lock_sim, device) if c["status"] == "set"]
        return codes[0]["code"] if codes and codes[0]["is_managed"] else None

    push()
    number = wait_for(set_code, timeout=30, what="the tenant's code set on the gate keypad")
    assert len(number) == 6 and "0" not in number and not number.startswith("12")  # Nuki
    [code] = _gate_codes(lock_sim, device)
    assert code["name"] == "Kim Demo"

    push(delinquency="gatelock")
    wait_for(lambda: not _gate_codes(lock_sim, device), timeout=30, what="the code suspended")

    push(delinquency="none")
    assert wait_for(set_code, timeout=30, what="the code restored") == number

    def recorded() -> dict[str, Any] | None:
        # The lock service answers before the reconciler has recorded its answer: wait for it.
        [lock] = service.get(f"/v1/facilities/{fid}/keypad-locks", manager)
        return lock if lock["managed_codes"] == 1 else None

    lock = wait_for(recorded, timeout=30, what="the restored code recorded")
    assert (lock["device_id"], lock["capacity"]) == (device, 100)
    [ours] = service.get(f"/v1/keypad-locks/{device}/codes", manager)
    assert ours["masked"] == "****" + number[-2:] and ours["status"] == "set"
    tenant_token = site.as_("kim")
    refused = service.http.post(f"/v1/keypad-codes/{ours['id']}/reveal", headers=tenant_token)
    assert refused.status_code == 403, refused.text
    revealed = service.post(f"/v1/keypad-codes/{ours['id']}/reveal", {}, manager, expect=200)
    assert revealed["code"] == number
    params = {"kind": "keypad_code_revealed"}
    [entry] = service.get(f"/v1/facilities/{fid}/audit", manager, params=params)
    assert entry["seq"] == revealed["audit_seq"] and entry["actor"].startswith("person:")
    verified = service.get(f"/v1/facilities/{fid}/audit/verify", manager)
    assert verified["ok"] is True, verified
