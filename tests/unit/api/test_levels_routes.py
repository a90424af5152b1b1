"""Access areas, schedules and levels over HTTP, and the decisions they make at the doors
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from engine.units import active_rental
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BUSINESS = {
    "name": "business hours",
    "weekly": {
        d: [{"opens": "08:00", "closes": "12:30"}, {"opens": "13:00", "closes": "18:00"}]
        for d in EVERY_DAY
    },
    "exceptions": [{"date": "2030-12-25", "windows": []}],
}


def _ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _ask(client: Client, door: str, headers: dict[str, str]) -> tuple[bool, str | None]:
    body = _ok(client.post(f"/v1/doors/{door}/access-requests", json={}, headers=headers))
    return body["allowed"], body["rule"]


def test_levels_decide_at_the_doors(both_companies: Companies) -> None:
    companies = both_companies
    a = companies.a
    manager, tenant = companies.headers(a, "manager"), companies.headers(a, "tenant")
    f = f"/v1/facilities/{a.facility_id}"
    lock = companies.lock(a)
    with TestClient(companies.app) as client:
        building = _ok(
            client.post(
                f"{f}/doors",
                json={"name": "Building B", "kind": "building_door", "serves": []},
                headers=manager,
            )
        )["id"]
        area = _ok(
            client.post(
                f"{f}/access-areas",
                json={"name": "gate only", "door_ids": [a.gate_id]},
                headers=manager,
            )
        )
        schedule = _ok(client.post(f"{f}/access-schedules", json=BUSINESS, headers=manager))
        assert schedule["spec"]["weekly"]["mon"][1] == {"opens": "13:00", "closes": "18:00"}
        level = _ok(
            client.post(
                f"{f}/access-levels",
                json={
                    "name": "standard",
                    "area_id": area["id"],
                    "schedule_id": schedule["id"],
                    "is_default": True,
                    "pms_names": ["Standard"],
                },
                headers=manager,
            )
        )
        # 12:00 UTC (the facility's zone): inside the schedule, gate in area, building not.
        assert _ask(client, a.gate_id, tenant) == (True, "tenant-passes-entry-points")
        assert _ask(client, building, tenant) == (False, "outside-access-area")
        assert _ask(client, lock, tenant)[0] is True
        # Employees hold the defaults and their roles' levels.
        assert _ask(client, building, manager) == (False, "outside-access-area")
        roles = {r["name"]: r["id"] for r in _ok(client.get("/v1/roles", headers=manager), 200)}
        staff = {"name": "staff", "role_id": roles["Manager"]}
        _ok(client.post(f"{f}/access-levels", json=staff, headers=manager))
        assert _ask(client, building, manager) == (True, "staff-pass-entry-points")
        assert _ask(client, building, tenant) == (False, "outside-access-area")
        a.rt.clock.advance(timedelta(minutes=45))  # 12:45: the lunch break
        assert _ask(client, a.gate_id, tenant) == (False, "outside-schedule")
        assert _ask(client, lock, tenant) == (False, "outside-schedule")
        a.rt.clock.advance(timedelta(minutes=15))  # 13:00: open again
        assert _ask(client, a.gate_id, tenant)[0] is True

        # The rental's own level opens the building; the 24/7 override the evening.
        vip_area = _ok(
            client.post(
                f"{f}/access-areas",
                json={"name": "building", "door_ids": [building]},
                headers=manager,
            )
        )
        vip = _ok(
            client.post(
                f"{f}/access-levels",
                json={"name": "vip", "area_id": vip_area["id"], "schedule_id": schedule["id"]},
                headers=manager,
            )
        )
        with a.rt.db.read() as s:
            rental = active_rental(s, a.units[0])
            assert rental is not None
        put = client.put(
            f"/v1/rentals/{rental.id}/access", json={"access_level_id": vip["id"]}, headers=manager
        )
        assert _ok(put, 200)["access_level_id"] == vip["id"]
        assert _ask(client, building, tenant)[0] is True
        a.rt.clock.advance(timedelta(hours=7))  # 20:00
        assert _ask(client, building, tenant) == (False, "outside-schedule")
        put = client.put(
            f"/v1/rentals/{rental.id}/access",
            json={"access_level_id": vip["id"], "around_the_clock": True},
            headers=manager,
        )
        _ok(put, 200)
        assert _ask(client, building, tenant)[0] is True
        assert _ask(client, a.gate_id, tenant)[0] is True

        # Lists, edits, and what is refused.
        listed = _ok(client.get(f"{f}/access-levels", headers=manager), 200)
        assert [lv["name"] for lv in listed] == ["staff", "standard", "vip"]
        assert _ok(client.get(f"{f}/access-areas", headers=manager), 200)[0]["name"] == "building"
        in_use = client.delete(f"/v1/access-schedules/{schedule['id']}", headers=manager)
        assert in_use.status_code == 409 and "is used by access level" in in_use.json()["detail"]
        held = client.delete(f"/v1/access-levels/{vip['id']}", headers=manager)
        assert held.status_code == 409
        changed = client.put(
            f"/v1/access-levels/{level['id']}",
            json={"name": "standard", "pms_names": ["Standard", "24 Hour"]},
            headers=manager,
        )
        assert _ok(changed, 200)["area_id"] is None  # every entry point, around the clock
        assert _ask(client, building, companies.headers(a, "tenant2"))[0] is True


def test_bad_input_is_a_problem_naming_the_field(companies: Companies) -> None:
    a, b = companies.a, companies.b
    manager = companies.headers(a, "manager")
    f = f"/v1/facilities/{a.facility_id}"
    with TestClient(companies.app) as client:
        bad = client.post(
            f"{f}/access-schedules",
            json={"name": "x", "weekly": {"mon": [{"opens": "18:00", "closes": "08:00"}]}},
            headers=manager,
        )
        assert bad.status_code == 400
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert "`weekly.mon[0]`" in bad.json()["detail"]
        lock_area = client.post(
            f"{f}/access-areas",
            json={"name": "x", "door_ids": [companies.lock(a)]},
            headers=manager,
        )
        assert lock_area.status_code == 400 and "unit lock" in lock_area.json()["detail"]
        _ok(client.post(f"{f}/access-areas", json={"name": "x"}, headers=manager))
        again = client.post(f"{f}/access-areas", json={"name": "x"}, headers=manager)
        assert again.status_code == 409
        one = _ok(
            client.post(
                f"{f}/access-levels", json={"name": "one", "pms_names": ["Gold"]}, headers=manager
            )
        )
        clash = client.post(
            f"{f}/access-levels", json={"name": "two", "pms_names": ["gold"]}, headers=manager
        )
        assert clash.status_code == 409 and "`gold`" in clash.json()["detail"]
        # Another company's manager and a tenant see nothing / may do nothing.
        other = companies.headers(b, "manager")
        assert client.get(f"{f}/access-levels", headers=other).status_code == 404
        assert client.delete(f"/v1/access-levels/{one['id']}", headers=other).status_code == 404
        tenant = companies.headers(a, "tenant")
        assert client.get(f"{f}/access-levels", headers=tenant).status_code == 403
