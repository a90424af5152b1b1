"""Keypad codes on the real server, over HTTP only, with `unitgate lock-sim` as the lock
service on loopback: a PMS move-in gives the tenant a code on the gate keypad within
seconds, a delinquency (gatelock) takes it off, a payment puts the same number back; the
portal shows the lock's capacity and the code masked, and a manager's reveal is audited; a
temporary code grant puts its code on the gate keypad ahead of its start (the load-ahead
setting), closed until then, and a cancellation removes it; codes typed at the simulator's
gate keypad come back as decisions: wrong ones as `invalid_code` denials raising one
repeated-denials alert, the tenant's own as an entry by that tenant."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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
        UNITGATE_CODES_LOAD_AHEAD_MINUTES="60",
        UNITGATE_CODES_DELETE_AFTER_HOURS="0",
        UNITGATE_CODES_EVENTS_SECONDS="0.5",
    ) as served:
        yield served


def _gate_codes(lock_sim: str, device: str, *, backups: bool = False) -> list[dict[str, Any]]:
    """The codes on the device (the backup pool's left out unless `backups`)."""
    state = httpx.get(f"{lock_sim}/control/state", timeout=10).json()
    codes = list(state["devices"].get(device, []))
    return [c for c in codes if backups or not c["name"].startswith("backup-")]


def _keypad_device(lock_sim: str, prefix: str) -> tuple[str, str]:
    """A new Nuki keypad on the simulator: a fresh tag and the device id."""
    tag = f"{prefix}{uuid.uuid4().hex[:8]}"
    device = f"kp-{tag}-gate"
    added = httpx.post(
        f"{lock_sim}/control/devices", json={"device_id": device, "model": "nuki_keypad"}
    )
    assert added.status_code == 200, added.text
    return tag, device


def _keypad_facility(
    service: Service, lock_sim: str, prefix: str
) -> tuple[str, str, str, dict[str, Any]]:
    """A new facility whose gate has a new Nuki keypad on the simulator: its tag, the
    device id, the facility id and the gate door."""
    manager = service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
    tag, device = _keypad_device(lock_sim, prefix)
    facility = service.post(
        "/v1/facilities",
        {
            "key": tag,
            "name": f"Keypad {tag}",
            "timezone": "UTC",
            "country": "US",
            "access_opens": "00:00",
            "access_closes": "00:00",
            "pms_ref": f"pms-{tag}",
        },
        manager,
    )
    fid = facility["id"]
    body = {"name": "Gate", "kind": "gate", "lock_ref": device}
    gate = service.post(f"/v1/facilities/{fid}/doors", body, manager)
    return tag, device, fid, gate


def test_a_move_in_gives_a_gate_code_a_gatelock_takes_it_a_payment_restores_it(
    keypad_service: Service, lock_sim: str
) -> None:
    service = keypad_service
    _, device = _keypad_device(lock_sim, "k")
    manager = service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
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
    pooled = [
        c for c in _gate_codes(lock_sim, device, backups=True) if c["name"].startswith("backup-")
    ]
    assert lock["backup_pool"]["size"] == 3 and len(pooled) >= 1  # the serve duty keeps a pool
    assert number not in {c["code"] for c in pooled}
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


def test_a_temporary_grant_is_on_the_gate_before_its_start_and_gone_when_cancelled(
    keypad_service: Service, lock_sim: str
) -> None:
    service = keypad_service
    manager = service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
    _, device, fid, gate = _keypad_facility(service, lock_sim, "g")

    def matched() -> bool:
        return any(
            k["door_id"] == gate["id"]
            for k in service.get(f"/v1/facilities/{fid}/keypad-locks", manager)
        )

    wait_for(matched, timeout=90, what="the gate's keypad matched by a reconcile round")
    now = datetime.now(UTC).replace(microsecond=0)

    def grant(starts_in: timedelta, name: str) -> dict[str, Any]:
        body = {
            "kind": "temporary",
            "door_ids": [gate["id"]],
            "starts_at": (now + starts_in).isoformat(),
            "ends_at": (now + starts_in + timedelta(hours=4)).isoformat(),
            "holder_name": name,
            "holder_phone": "+15550100123",
        }
        return dict(service.post(f"/v1/facilities/{fid}/code-grants", body, manager))

    later = grant(timedelta(hours=3), "Late Mover")  # beyond the 60 minutes' load-ahead
    soon = grant(timedelta(minutes=30), "Mo Mover")
    assert (soon["status"], later["status"]) == ("loaded", "scheduled")

    def on_gate() -> list[dict[str, Any]] | None:
        codes = [c for c in _gate_codes(lock_sim, device) if c["status"] == "set"]
        return codes or None

    [code] = wait_for(on_gate, timeout=30, what="the grant's code set on the gate keypad")
    assert code["name"] == "Mo Mover" and code["is_managed"]
    assert datetime.fromisoformat(code["starts_at"]) == now + timedelta(minutes=30)
    entered = httpx.post(
        f"{lock_sim}/control/enter", json={"device_id": device, "code": code["code"]}
    ).json()
    assert entered == {"opens": False, "reason": "before the code's window"}

    def recorded() -> list[dict[str, Any]] | None:
        found = service.get(f"/v1/people/{soon['person_id']}/codes", manager)
        return found if found and found[0]["status"] == "set" else None

    [mine] = wait_for(recorded, timeout=30, what="the code recorded for its holder")
    assert (
        mine["masked"] == "****" + code["code"][-2:] and mine["via"] == f"code_grant:{soon['id']}"
    )

    service.post(f"/v1/code-grants/{soon['id']}/cancel", {}, manager, expect=200)
    wait_for(lambda: not _gate_codes(lock_sim, device), timeout=30, what="the code removed")
    assert service.get(f"/v1/code-grants/{later['id']}", manager)["status"] == "scheduled"
    kinds = {e["kind"] for e in service.get(f"/v1/facilities/{fid}/audit", manager)}
    assert {"code_grant_created", "code_grant_cancelled", "keypad_code_created"} <= kinds
    assert "keypad_code_removed" in kinds or wait_for(
        lambda: (
            "keypad_code_removed"
            in {e["kind"] for e in service.get(f"/v1/facilities/{fid}/audit", manager)}
        ),
        timeout=30,
        what="the removal audited",
    )


def test_codes_typed_at_the_keypad_are_denials_an_alert_and_an_entry_by_the_tenant(
    keypad_service: Service, lock_sim: str
) -> None:
    service = keypad_service
    _, device = _keypad_device(lock_sim, "e")
    manager = service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
    client = DemoClient(service.base, http=service.http)
    site = set_up_site(client, ("U1",), keypad=device, label="Keypad events")
    fid, gate = site.facility_id, site.gate_id
    site.push("U1", status="occupied", **site.tenant("kim"))

    def set_code() -> str | None:
        codes = [c for c in _gate_codes(lock_sim, device) if c["status"] == "set"]
        return codes[0]["code"] if codes and codes[0]["is_managed"] else None

    number = wait_for(set_code, timeout=30, what="the tenant's code set on the gate keypad")
    wrong = "345678" if number != "345678" else "456789"
    for _ in range(10):
        typed = httpx.post(f"{lock_sim}/control/enter", json={"device_id": device, "code": wrong})
        assert typed.json() == {"opens": False, "reason": "unknown code"}
    typed = httpx.post(f"{lock_sim}/control/enter", json={"device_id": device, "code": number})
    assert typed.json() == {"opens": True, "reason": "opened"}

    def keypad_decisions() -> list[dict[str, Any]] | None:
        params = {"kind": "access_decision", "subject": gate}
        entries = service.get(f"/v1/facilities/{fid}/audit", manager, params=params)
        found = [e["payload"] for e in entries if e["payload"]["channel"] == "keypad"]
        return found if len(found) == 11 else None

    decisions = wait_for(keypad_decisions, timeout=30, what="the keypad's events as decisions")
    *refused, entry = decisions
    assert {(d["allowed"], d["reason_code"]) for d in refused} == {(False, "invalid_code")}
    assert refused[0]["reason"] == "the keypad refused the code: unknown code"
    me = service.get("/v1/me", site.as_("kim"))
    assert (entry["allowed"], entry["person_id"], entry["principal_kind"]) == (
        True,
        me["id"],
        "tenant",
    )

    def raised() -> list[dict[str, Any]] | None:
        found = service.get(f"/v1/facilities/{fid}/alerts", manager, params={"status": "open"})
        return [a for a in found if a["rule"] == "repeated_denials_door"] or None

    [alert] = wait_for(raised, timeout=30, what="the repeated-denials alert at the gate")
    assert alert["subject"] == f"door:{gate}" and alert["count"] == 1
    for _ in range(2):  # more of the same incident: still one alert, counted
        httpx.post(f"{lock_sim}/control/enter", json={"device_id": device, "code": wrong})

    def counted() -> list[dict[str, Any]] | None:
        found = raised() or []
        return found if found and found[0]["count"] == 3 else None

    assert [a["id"] for a in wait_for(counted, timeout=30, what="the repeats counted")] == [
        alert["id"]
    ]
    verified = service.get(f"/v1/facilities/{fid}/audit/verify", manager)
    assert verified["ok"] is True, verified
