"""Setting up a site over HTTP: facilities, units, entry points with what they serve, locks.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from engine.audit import verify_chain
from engine.domain import Permission
from engine.persistence.tables import AuditEntry, Person
from engine.runtime import Runtime
from engine.sites import add_person, assign_role, create_role
from tests.support.api import bearer
from tests.unit.api.conftest import Companies, _companies

Client = TestClient[Litestar]
FACILITY = {
    "key": "lakeside",
    "name": "Lakeside",
    "timezone": "America/Chicago",
    "country": "US",
    "access_opens": "00:00",
    "access_closes": "00:00",
}


@pytest.fixture
def both(runtime: Runtime) -> Companies:
    """Companies A and B on SQLite, then on PostgreSQL."""
    return _companies(runtime)


@pytest.fixture
def http(both: Companies) -> Iterator[Client]:
    with TestClient(both.app) as c:
        yield c


def _ok(response: object, status: int = 201) -> dict[str, object]:
    assert getattr(response, "status_code", None) == status, getattr(response, "text", "")
    return response.json()  # type: ignore[attr-defined, no-any-return]


def _facility(http: Client, both: Companies) -> tuple[str, dict[str, str]]:
    manager = both.headers(both.a, "manager")
    return str(_ok(http.post("/v1/facilities", json=FACILITY, headers=manager))["id"]), manager


def test_a_manager_builds_a_facility_and_an_auditor_sees_who(http: Client, both: Companies) -> None:
    fid, manager = _facility(http, both)
    a1 = _ok(
        http.post(
            f"/v1/facilities/{fid}/units",
            json={"number": "A1", "building": "A", "floor": "1", "lock_ref": "lk-a1"},
            headers=manager,
        )
    )
    assert (a1["building"], a1["floor"], a1["state"]) == ("A", "1", "available")
    b1 = _ok(
        http.post(
            f"/v1/facilities/{fid}/units", json={"number": "B1", "building": "B"}, headers=manager
        )
    )
    door = _ok(
        http.post(
            f"/v1/facilities/{fid}/doors",
            json={"name": "A door", "kind": "building_door", "serves": [{"building": "A"}]},
            headers=manager,
        )
    )
    locked = _ok(
        http.put(f"/v1/doors/{door['id']}/lock", json={"lock_ref": "lk-door"}, headers=manager),
        200,
    )
    assert locked["lock_ref"] == "lk-door"
    changed = _ok(
        http.patch(
            f"/v1/doors/{door['id']}",
            json={"serves": [{"building": "A"}, {"unit_id": b1["id"]}]},
            headers=manager,
        ),
        200,
    )
    assert changed["serves"] == [
        {"building": "A", "floor": None, "unit_id": None, "unit_number": None},
        {"building": None, "floor": None, "unit_id": b1["id"], "unit_number": "B1"},
    ]
    doors = _ok(http.get(f"/v1/facilities/{fid}/doors", headers=manager), 200)
    assert {d["name"]: d["lock_ref"] for d in doors} == {  # type: ignore[index, union-attr]
        "A door": "lk-door",
        "unit A1": "lk-a1",
        "unit B1": None,
    }
    facility = _ok(
        http.patch(
            f"/v1/facilities/{fid}",
            json={"timezone": "America/Denver", "access_opens": "05:30", "pms_ref": "pms-lake"},
            headers=manager,
        ),
        200,
    )
    assert (facility["timezone"], facility["access_opens"], facility["country"]) == (
        "America/Denver",
        "05:30",
        "US",
    )
    rt = both.a.rt
    with rt.db.read() as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.facility_id == fid)).all()
        assert verify_chain(s, rt.audit, fid).ok
    assert [e.kind for e in entries] == [
        "facility_created",
        "unit_added",
        "unit_added",
        "door_added",
        "lock_assigned",
        "door_changed",
        "facility_changed",
    ]
    assert {e.actor for e in entries} == {both.a.manager}
    assert "~ facility lakeside: timezone America/Chicago -> America/Denver" in entries[-1].payload


def test_bad_places_and_taken_keys_are_refused(http: Client, both: Companies) -> None:
    fid, manager = _facility(http, both)
    for field, value in (("timezone", "Mars/Olympus"), ("country", "XX"), ("key", "No Key")):
        bad = http.post("/v1/facilities", json={**FACILITY, field: value}, headers=manager)
        assert bad.status_code == 400, bad.text
        assert field in bad.text
    assert http.post("/v1/facilities", json=FACILITY, headers=manager).status_code == 409
    _ok(
        http.post(
            f"/v1/facilities/{fid}/units", json={"number": "1", "lock_ref": "x"}, headers=manager
        )
    )
    taken = http.post(
        f"/v1/facilities/{fid}/units", json={"number": "2", "lock_ref": "x"}, headers=manager
    )
    assert taken.status_code == 409
    assert "lock `x` is on door `unit 1`" in taken.json()["detail"]
    unit_lock = http.post(
        f"/v1/facilities/{fid}/doors", json={"name": "L", "kind": "unit_lock"}, headers=manager
    )
    assert unit_lock.status_code == 400


def test_a_rented_unit_is_never_removed_nor_cut_off_from_the_pms(
    http: Client, both: Companies
) -> None:
    a = both.a
    manager = both.headers(a, "manager")
    rented, free = a.units[0], a.units[2]
    refused = http.delete(f"/v1/units/{rented}", headers=manager)
    assert refused.status_code == 409
    assert "is rented; removing it would orphan its rental" in refused.json()["detail"]
    moved = http.patch(f"/v1/units/{rented}", json={"pms_ref": "elsewhere"}, headers=manager)
    assert moved.status_code == 409
    relabelled = http.patch(f"/v1/units/{rented}", json={"building": "N"}, headers=manager)
    assert relabelled.json()["building"] == "N"
    assert http.delete(f"/v1/units/{free}", headers=manager).status_code == 204
    assert http.get(f"/v1/units/{free}", headers=manager).status_code == 404
    listed = http.get(f"/v1/facilities/{a.facility_id}/units", headers=manager).json()
    assert free not in [u["id"] for u in listed]
    lock = both.lock(a, 2)
    assert (
        http.post(f"/v1/doors/{lock}/access-requests", json={}, headers=manager).status_code == 404
    )
    back = _ok(
        http.post(f"/v1/facilities/{a.facility_id}/units", json={"number": "U003"}, headers=manager)
    )
    assert back["id"] == free  # the same unit, its history kept


def test_an_entry_point_opens_only_for_the_units_it_serves(http: Client, both: Companies) -> None:
    a = both.a
    manager = both.headers(a, "manager")
    for unit, building in ((a.units[0], "A"), (a.units[1], "B")):
        http.patch(f"/v1/units/{unit}", json={"building": building}, headers=manager)
    door = _ok(
        http.post(
            f"/v1/facilities/{a.facility_id}/doors",
            json={"name": "B door", "kind": "building_door", "serves": [{"building": "B"}]},
            headers=manager,
        )
    )
    in_a, in_b = both.headers(a, "tenant"), both.headers(a, "tenant2")
    ask = f"/v1/doors/{door['id']}/access-requests"
    assert _ok(http.post(ask, json={}, headers=in_b))["allowed"] is True
    assert _ok(http.post(ask, json={}, headers=in_a))["allowed"] is False
    seen = {
        u["unit_id"]: {d["name"] for d in u["doors"]}
        for u in http.get("/v1/me/units", headers=in_a).json()
    }
    assert seen == {a.units[0]: {"Main gate", "unit U001"}}
    seen_b = http.get("/v1/me/units", headers=in_b).json()
    assert {d["name"] for d in seen_b[0]["doors"]} == {"Main gate", "B door", "unit U002"}
    assert http.delete(f"/v1/doors/{door['id']}", headers=manager).status_code == 204
    assert http.post(ask, json={}, headers=in_b).status_code == 404
    assert http.delete(f"/v1/doors/{both.lock(a)}", headers=manager).status_code == 409


def test_sites_manage_is_needed_and_company_wide_for_a_new_facility(
    http: Client, both: Companies
) -> None:
    a = both.a
    rt = a.rt
    with rt.db.transaction() as s:
        viewer = create_role(s, a.company_id, "Viewer", [Permission.FACILITY_VIEW])
        local = create_role(s, a.company_id, "Local admin", [Permission.SITES_MANAGE])
        person = add_person(s, "Lou Local", rt.clock.now(), email="lou@acme.example")
        assign_role(s, person.id, viewer.id)
        assign_role(s, person.id, local.id, facility_id=a.facility_id)
    lou = bearer(person.id, a.company_id, "employee")
    assert http.post("/v1/facilities", json=FACILITY, headers=lou).status_code == 403
    ok = http.post(f"/v1/facilities/{a.facility_id}/units", json={"number": "L9"}, headers=lou)
    assert ok.status_code == 201
    tenant = both.headers(a, "tenant")
    assert (
        http.post(
            f"/v1/facilities/{a.facility_id}/units", json={"number": "T9"}, headers=tenant
        ).status_code
        == 403
    )
    with rt.db.read() as s:
        assert s.exec(select(Person).where(Person.email == "lou@acme.example")).one()
