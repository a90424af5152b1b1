"""Locks behind a gateway on the running service, over HTTP (SQLite and PostgreSQL).

A `unitgate locks gateway` process holds bumble links to simulated locks that trust the
facility's key (read over the API); the locks are registered over the API and put on the
doors. Remote unlock is an action whose outcome is polled: success confirmed by the device,
lock offline, gateway down, timeout; preconditions are explained. The service's lock duty
(polling every half second here) shows each lock's status, health and advice, and lands
the locks' own logs once each in the audit chain and the tenant's activity feed.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.demo.run import DemoSite as Site
from tests.e2e.test_stories import MARIA, set_up
from tests.support.service import (
    UNITGATE,
    Service,
    database,
    free_port,
    start_service,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, service_kind: str
) -> Iterator[Service]:
    """`unitgate serve` polling locks every half second, remote actions settling in 2 s."""
    template = request.getfixturevalue("demo_database")
    workdir = tmp_path_factory.mktemp(f"locks-{service_kind}")
    with (
        database(service_kind, workdir, template) as db_url,
        start_service(
            workdir,
            db_url,
            prepared=True,
            UNITGATE_LOCK_POLL_SECONDS="0.5",
            UNITGATE_LOCK_ACTION_SECONDS="2",
        ) as served,
    ):
        yield served


@pytest.fixture(scope="module")
def site(service: Service) -> Site:
    return set_up(service, ("U1", "U2", "U3", "U4"))


@pytest.fixture(scope="module")
def gateway(
    service: Service, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A simulated gateway trusting the facility's key, its locks on U1..U4."""
    trust = service.get(f"/v1/facilities/{site.facility_id}/lock-key", site.manager)["trust"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("gateway") / "gateway.log").open("wb")
    args = [*UNITGATE, "locks", "gateway", "--port", str(port), "--locks", "4", "--seed", "7"]
    process = subprocess.Popen([*args, "--trust", trust], stdout=log, stderr=log)
    try:

        def up() -> bool:
            assert process.poll() is None, "the gateway exited"
            try:
                return httpx.get(f"{url}/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, timeout=40, what="the gateway")
        service.post(
            f"/v1/facilities/{site.facility_id}/gateways",
            {"name": "sim-hub", "url": url},
            site.manager,
        )
        sim_locks = httpx.get(f"{url}/v1/locks", timeout=5).json()
        for number, lock in zip(("U1", "U2", "U3", "U4"), sim_locks, strict=True):
            _register(service, site, number, lock["lock_id"], lock["public_key"], "sim-hub")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _register(
    service: Service, site: Site, number: str, lock_id: str, key: str, gateway: str | None
) -> None:
    body = {"lock_id": lock_id, "name": f"lock {number}", "public_key": key, "gateway": gateway}
    service.post(f"/v1/facilities/{site.facility_id}/locks", body, site.manager)
    got = service.http.put(
        f"/v1/doors/{site.locks[number]}/lock", json={"lock_ref": lock_id}, headers=site.manager
    )
    assert got.status_code == 200, got.text


def _lock_of(service: Service, site: Site, number: str) -> dict[str, Any]:
    locks = service.get(f"/v1/facilities/{site.facility_id}/locks", site.manager)
    return next(lock for lock in locks if lock["door_id"] == site.locks[number])


def _sim(url: str, lock_id: str, **control: Any) -> dict[str, Any]:
    got = httpx.post(f"{url}/v1/sim/locks/{lock_id}", json=control, timeout=5)
    assert got.status_code == 200, got.text
    return dict(got.json())


def _remote(service: Service, site: Site, door_id: str, who: dict[str, str] | None = None) -> Any:
    return service.post(
        f"/v1/doors/{door_id}/remote-unlocks", {"reason": "checking the unit"}, who or site.manager
    )


def _settled(service: Service, site: Site, action: dict[str, Any]) -> dict[str, Any]:
    assert action["status"] == "pending"

    def done() -> dict[str, Any] | None:
        got: dict[str, Any] = service.get(f"/v1/actions/{action['id']}", site.manager)
        return got if got["status"] != "pending" else None

    return wait_for(done, timeout=20, what="the remote action to settle")


def test_remote_unlock_succeeds_confirmed_by_the_lock(
    service: Service, site: Site, gateway: str
) -> None:
    answer = _remote(service, site, site.locks["U1"])
    assert answer["allowed"] is True
    final = _settled(service, site, answer["action"])
    assert (final["status"], final["error"], final["confirmed_by_device"]) == (
        "success",
        None,
        True,
    )
    lock = _lock_of(service, site, "U1")
    assert _sim(gateway, lock["id"])["unlocks"] == 1


def test_remote_unlock_of_a_lock_out_of_range_is_lock_offline_and_its_health_says_so(
    service: Service, site: Site, gateway: str
) -> None:
    lock = _lock_of(service, site, "U2")
    _sim(gateway, lock["id"], offline=True)
    try:
        final = _settled(service, site, _remote(service, site, site.locks["U2"])["action"])
        assert (final["status"], final["error"]) == ("error", "lock_offline")

        def disconnected() -> dict[str, Any] | None:
            now = _lock_of(service, site, "U2")
            health = now["health"] or {}
            return now if health.get("connectivity") == "disconnected" else None

        # Several failed polls, each bounded by GATEWAY_POLICY (~5 s), make "disconnected": the
        # bound leaves room for a loaded machine.
        seen = wait_for(disconnected, timeout=60, what="the duty to see the lock disconnected")
        assert "move the hub closer to the lock" in seen["health"]["advice"]
        event = next(e for e in seen["events"] if e["kind"] == "disconnected")
        assert event["advice"] == "move the hub closer to the lock"
    finally:
        _sim(gateway, lock["id"], offline=False)
    back = wait_for(
        lambda: any(e["kind"] == "reconnected" for e in _lock_of(service, site, "U2")["events"]),
        timeout=60,
        what="the lock to reconnect",
    )
    assert back


def test_remote_unlock_that_the_lock_does_not_confirm_in_time_is_a_timeout(
    service: Service, site: Site, gateway: str
) -> None:
    lock = _lock_of(service, site, "U3")
    _sim(gateway, lock["id"], motor_seconds=4.0)  # the hasp under tension: the motor is slow
    try:
        final = _settled(service, site, _remote(service, site, site.locks["U3"])["action"])
        assert (final["status"], final["error"], final["confirmed_by_device"]) == (
            "error",
            "timeout",
            False,
        )
    finally:
        _sim(gateway, lock["id"], motor_seconds=0)


def test_remote_unlock_through_a_gateway_that_is_down(
    service: Service, site: Site, gateway: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    service.post(
        f"/v1/facilities/{site.facility_id}/gateways", {"name": "dead", "url": dead}, site.manager
    )
    lock_id = str(uuid.uuid4())
    body = {"lock_id": lock_id, "name": "gate lock", "public_key": "cd" * 32, "gateway": "dead"}
    service.post(f"/v1/facilities/{site.facility_id}/locks", body, site.manager)
    got = service.http.put(
        f"/v1/doors/{site.gate_id}/lock", json={"lock_ref": lock_id}, headers=site.manager
    )
    assert got.status_code == 200, got.text
    final = _settled(service, site, _remote(service, site, site.gate_id)["action"])
    assert (final["status"], final["error"], final["confirmed_by_device"]) == (
        "error",
        "gateway_down",
        False,
    )


def test_preconditions_are_checked_first_and_explained(
    service: Service, site: Site, gateway: str
) -> None:
    unit = service.post(
        f"/v1/facilities/{site.facility_id}/units",
        {"number": "U9", "lock_ref": f"keypad-{site.tag}-U9"},  # not a registered Bluetooth lock
        site.manager,
    )
    doors = service.get(f"/v1/facilities/{site.facility_id}/doors", site.manager)
    door = next(d["id"] for d in doors if d["unit_id"] == unit["id"])
    site.locks["U9"] = door
    refused = service.http.post(
        f"/v1/doors/{door}/remote-unlocks", json={"reason": "check"}, headers=site.manager
    )
    assert refused.status_code == 409
    assert "register it" in refused.json()["help"]
    _register(service, site, "U9", str(uuid.uuid4()), "ef" * 32, None)
    refused = service.http.post(
        f"/v1/doors/{door}/remote-unlocks", json={"reason": "check"}, headers=site.manager
    )
    assert refused.status_code == 409
    assert "has no gateway" in refused.json()["detail"]


def test_the_duty_shows_status_health_and_advice(
    service: Service, site: Site, gateway: str
) -> None:
    lock = _lock_of(service, site, "U1")
    _sim(gateway, lock["id"], battery=15)

    def low() -> dict[str, Any] | None:
        now = _lock_of(service, site, "U1")
        return now if (now["health"] or {}).get("battery") == "low" else None

    seen = wait_for(low, timeout=20, what="the duty to read the low battery")
    assert seen["status"]["battery"] == 15
    assert seen["status"]["state"] in ("locked", "unlocked")
    assert seen["status"]["firmware"]
    assert seen["health"]["advice"] == ["replace the battery"]
    assert seen["gateway_name"] == "sim-hub"
    assert seen["last_contact_at"] is not None
    assert abs(seen["health"]["clock_drift"]) <= 2
    event = next(e for e in seen["events"] if e["kind"] == "battery_low")
    assert event["advice"] == "replace the battery"


def test_the_locks_log_lands_once_in_the_chain_and_the_tenants_feed(
    service: Service, site: Site, gateway: str, tmp_path: Path
) -> None:
    """Invariant 10: the manager's remote open of the tenant's unit, as the lock logged it."""
    site.move_in("U4", "lena")
    lena = site.as_("lena")
    service.post(f"/v1/units/{site.units['U4']}/shares", {"email": MARIA}, lena)
    answer = _remote(service, site, site.locks["U4"])
    assert answer["allowed"] is True, answer
    assert _settled(service, site, answer["action"])["status"] == "success"

    def logged() -> list[dict[str, Any]]:
        return [i for i in site.feed("lena") if i["kind"] == "lock_event"]

    items = wait_for(logged, timeout=20, what="the lock's log in the tenant's feed")
    assert items[0]["actor_kind"] == "employee"
    assert "unlocked remotely" in items[0]["summary"]
    # Polled again (the duty every half second, and a worker once): still one each.
    service.cli("locks", "poll", "--once")
    wait_for(lambda: _lock_of(service, site, "U4")["log_counter"] > 0, what="the log counter")
    again = logged()
    assert len(again) == len(items)
    landed = service.get(
        f"/v1/facilities/{site.facility_id}/audit",
        site.manager,
        params={"limit": 1000, "kind": "lock_event"},
    )
    counters = [(e["payload"]["lock_id"], e["payload"]["counter"]) for e in landed]
    assert counters and len(counters) == len(set(counters))
    assert any(e["payload"]["person_id"] == items[0]["actor_id"] for e in landed)
    assert site.chain_verifies()
