"""Onboarding without Python, on the real server over HTTP (SQLite and PostgreSQL): a manager
sets up a facility and invites an employee who then acts with their own token; a tenant of
two companies sees both; `unitgate site apply` run against the service's database, then seen
over HTTP, and refused when it would orphan a rented unit."""

from __future__ import annotations

from textwrap import dedent

import pytest

from api.demo import DEMO_COMPANY_ID
from api.demo._data import COMPANIES
from tests.support.service import Service

pytestmark = pytest.mark.slow

MARIA = "maria@acme-storage.example"
OLIVIA = "olivia@mail.example"


def test_a_manager_sets_up_a_facility_and_an_invited_employee_works_there(
    service: Service,
) -> None:
    maria = service.as_(MARIA, DEMO_COMPANY_ID, "employee")
    facility = service.post(
        "/v1/facilities",
        {
            "key": "lakeside",
            "name": "Lakeside Storage",
            "timezone": "America/Chicago",
            "country": "US",
            "access_opens": "00:00",
            "access_closes": "00:00",
        },
        maria,
    )
    fid = facility["id"]
    for number, building in (("L1", "North"), ("L2", "South")):
        service.post(
            f"/v1/facilities/{fid}/units",
            {"number": number, "building": building, "lock_ref": f"lk-{number}"},
            maria,
        )
    gate = service.post(f"/v1/facilities/{fid}/doors", {"name": "Gate", "kind": "gate"}, maria)
    service.post(
        f"/v1/facilities/{fid}/doors",
        {"name": "North door", "kind": "building_door", "serves": [{"building": "North"}]},
        maria,
    )
    locked = service.http.put(
        f"/v1/doors/{gate['id']}/lock", json={"lock_ref": "lk-gate"}, headers=maria
    )
    assert locked.status_code == 200, locked.text
    doors = {d["name"]: d for d in service.get(f"/v1/facilities/{fid}/doors", maria)}
    assert doors["Gate"]["lock_ref"] == "lk-gate"
    assert [s["building"] for s in doors["North door"]["serves"]] == ["North"]

    roles = {r["name"]: r["id"] for r in service.get("/v1/roles", maria)}
    invited = service.post(
        "/v1/invitations",
        {
            "email": "nils@new.example",
            "name": "Nils New",
            "roles": [{"role_id": roles["Maintenance"], "facility_id": fid}],
        },
        maria,
    )
    accepted = service.post("/v1/invitations/accept", {"code": invited["code"]})
    nils = {"Authorization": f"Bearer {accepted['token']}"}
    assert [f["key"] for f in service.get("/v1/facilities", nils)] == ["lakeside"]
    opened = service.post(f"/v1/doors/{gate['id']}/access-requests", {}, nils)
    assert opened["allowed"] is True
    service.post("/v1/invitations/accept", {"code": invited["code"]}, expect=409)

    audit = service.get(f"/v1/facilities/{fid}/audit", maria)
    kinds = [e["kind"] for e in audit]
    assert kinds[:3] == ["facility_created", "unit_added", "unit_added"]
    assert {"door_added", "lock_assigned", "invitation_created", "invitation_accepted"} <= set(
        kinds
    )
    maria_id = service.get("/v1/me", maria)["id"]
    assert audit[0]["actor"] == f"person:{maria_id}"
    assert service.get(f"/v1/facilities/{fid}/audit/verify", maria)["ok"] is True


def test_a_tenant_of_two_companies_sees_both(service: Service) -> None:
    at_acme = service.get("/v1/me", service.as_(OLIVIA, DEMO_COMPANY_ID))
    companies = {f["company_name"] for f in at_acme["facilities"]}
    assert companies == {"Acme Self Storage", "Bolt Storage"}
    assert "Bolt Storage Downtown" in {f["facility_name"] for f in at_acme["facilities"]}
    at_bolt = service.as_(OLIVIA, COMPANIES[1].id)
    assert service.get("/v1/me", at_bolt)["id"] == at_acme["id"]  # one account
    (unit,) = service.get("/v1/me/units", at_bolt)
    assert unit["number"] == "C101"
    assert {d["name"] for d in unit["doors"]} == {"unit C101", "Street gate", "Lobby door"}


SITE = """\
company:
  name: Harbor Storage
roles:
  - {name: Manager, permissions: all}
facilities:
  - key: harbor
    name: Harbor Storage
    timezone: Europe/Lisbon
    country: PT
    pms_ref: e2e-harbor
    units:
      - {number: H1, lock: h-lock-1, pms_ref: h-1}
      - {number: H2, lock: h-lock-2, pms_ref: h-2}
    doors:
      - {name: Quay gate, kind: gate}
employees:
  - {email: hugo@harbor.example, name: Hugo Harbor, roles: [{role: Manager}]}
"""


def test_site_apply_on_the_service_database_then_over_http(service: Service) -> None:
    path = service.workdir / "harbor.yaml"
    path.write_text(SITE, encoding="utf-8")
    applied = service.cli("site", "apply", str(path)).stdout
    assert "+ facility harbor" in applied
    assert "+ unit H2 (harbor)" in applied
    company = applied.strip().rsplit(" ", 1)[-1]
    assert "no changes" in service.cli("site", "apply", str(path)).stdout

    hugo = service.as_("hugo@harbor.example", company, "employee")
    (facility,) = service.get("/v1/facilities", hugo)
    units = service.get(f"/v1/facilities/{facility['id']}/units", hugo)
    assert [u["number"] for u in units] == ["H1", "H2"]

    pushed = service.push_pms(
        facility["id"],
        [
            {
                "unit_ref": "h-2",
                "seq": 1,
                "status": "occupied",
                "tenant_ref": "T-ida",
                "first_name": "Ida",
                "last_name": "Ito",
                "email": "ida@mail.example",
                "lease_start": "2020-01-01",
            }
        ],
        company_id=company,
    )
    assert pushed.status_code == 202, pushed.text
    path.write_text(
        dedent(SITE).replace("      - {number: H2, lock: h-lock-2, pms_ref: h-2}\n", ""),
        encoding="utf-8",
    )
    refused = service.cli("site", "apply", str(path), check=False)
    assert refused.returncode == 2
    assert "harbor.yaml:11:5: error[refused]: unit `H2` is rented" in refused.stderr
    assert "--> field `facilities[0].units`" in refused.stderr
    units = service.get(f"/v1/facilities/{facility['id']}/units", hugo)
    assert [(u["number"], u["state"]) for u in units] == [("H1", "available"), ("H2", "occupied")]
