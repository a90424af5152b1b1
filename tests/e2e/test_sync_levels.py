"""PMS access-level names through `unitgate sync reconcile`, over the real server, CLI and
simulator (`unitgate pms-sim --access-level`), on SQLite and PostgreSQL: a name a level
lists lets the tenant through the door only that level opens; an unknown name is a sync
conflict; a level mapped since is corrected at the same sequence number; a second
reconcile changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from api.demo import DEMO_COMPANY_ID
from tests.support.service import Service, free_port, wait_for

pytestmark = pytest.mark.slow

MARIA = "maria@acme-storage.example"
UNITS = 6
REFS = [f"LVS-{i:06d}" for i in range(1, UNITS + 1)]


def _setup(service: Service, maria: dict[str, str]) -> dict[str, Any]:
    """A facility linked to PMS facility `LVS`: a gate every tenant opens, a north door only
    level `north 24/7` opens (it lists no PMS name yet)."""
    facility = service.post(
        "/v1/facilities",
        {
            "key": "levels-sync",
            "name": "Levels Sync Storage",
            "timezone": "UTC",
            "country": "US",
            "access_opens": "00:00",
            "access_closes": "00:00",
            "pms_ref": "LVS",
        },
        maria,
    )
    f = f"/v1/facilities/{facility['id']}"
    units = {
        ref: service.post(
            f"{f}/units",
            {"number": f"N{i}", "building": "North", "pms_ref": ref, "lock_ref": f"lvs-l{i}"},
            maria,
        )["id"]
        for i, ref in enumerate(REFS, 1)
    }
    gate = service.post(f"{f}/doors", {"name": "Gate", "kind": "gate"}, maria)["id"]
    north = service.post(
        f"{f}/doors",
        {"name": "North door", "kind": "building_door", "serves": [{"building": "North"}]},
        maria,
    )["id"]
    gate_area = service.post(f"{f}/access-areas", {"name": "gate", "door_ids": [gate]}, maria)
    north_area = service.post(f"{f}/access-areas", {"name": "north", "door_ids": [north]}, maria)
    always = service.post(f"{f}/access-schedules", {"name": "always", "always": True}, maria)
    service.post(
        f"{f}/access-levels",
        {"name": "standard", "area_id": gate_area["id"], "schedule_id": always["id"]}
        | {"is_default": True},
        maria,
    )
    level = service.post(
        f"{f}/access-levels",
        {"name": "north 24/7", "area_id": north_area["id"], "schedule_id": always["id"]},
        maria,
    )
    return {"units": units, "gate": gate, "north": north, "level": level, "always": always}


def _reconcile(service: Service, pms: str) -> str:
    return service.cli("sync", "reconcile", "LVS", "--pms-url", pms).stdout


def _conflicts(service: Service, maria: dict[str, str], units: dict[str, str]) -> list[Any]:
    return [
        c
        for uid in units.values()
        for c in service.get(f"/v1/units/{uid}", maria)["conflicts"]
        if c["event"] == "access_level"
    ]


def _open(conflicts: list[Any]) -> list[str]:
    return sorted(c["detail"].split("`")[1] for c in conflicts if c["resolved_at"] is None)


def test_reconcile_maps_the_pms_access_levels(service: Service) -> None:
    maria = service.as_(MARIA, DEMO_COMPANY_ID, "employee")
    site = _setup(service, maria)
    port = free_port()
    pms = f"http://127.0.0.1:{port}"
    sim = service.start_worker(
        *("pms-sim", "--facility", "LVS", "--units", str(UNITS), "--occupancy", "1"),
        *("--seed", "5", "--port", str(port)),
        *("--access-level", "North 24h", "--access-level", "Platinum"),
        name="pms-sim",
    )

    def snapshot() -> list[dict[str, Any]] | None:
        assert sim.poll() is None, service.log("pms-sim")
        try:
            got = httpx.get(f"{pms}/v1/facilities/LVS/units", timeout=2)
        except httpx.TransportError:
            return None
        return list(got.json()["records"]) if got.status_code == 200 else None

    records = wait_for(snapshot, timeout=120, what="the simulator")
    assert [r["access_level"] for r in records] == ["North 24h", "Platinum"] * (UNITS // 2)
    today = datetime.now(UTC).date()
    north_tenant = next(
        r
        for r in records
        if r["access_level"] == "North 24h" and date.fromisoformat(r["lease_start"]) <= today
    )

    def ask(door: str) -> tuple[bool, str | None]:
        tenant = service.as_(north_tenant["email"], DEMO_COMPANY_ID, "tenant")
        got = service.post(f"/v1/doors/{door}/access-requests", {}, tenant)
        return got["allowed"], got["rule"]

    # First reconcile: every unit is behind; no level lists either name yet.
    first = _reconcile(service, pms)
    assert f"behind (applied now): {UNITS}" in first
    assert f"PMS access levels no level maps (open sync conflicts): {UNITS}" in first
    assert ask(site["gate"])[0]
    assert ask(site["north"]) == (False, "outside-access-area")
    assert _open(_conflicts(service, maria, site["units"])) == (
        ["North 24h"] * (UNITS // 2) + ["Platinum"] * (UNITS // 2)
    )

    # The manager maps the name: reconcile corrects the levels at the same seq.
    level = site["level"]
    changed = service.http.put(
        f"/v1/access-levels/{level['id']}",
        json={
            "name": level["name"],
            "area_id": level["area_id"],
            "schedule_id": site["always"]["id"],
            "pms_names": ["north 24H"],
        },
        headers=maria,
    )
    assert changed.status_code == 200, changed.text
    second = _reconcile(service, pms)
    assert "behind (applied now): 0" in second
    north_refs = ", ".join(r["unit_ref"] for r in records if r["access_level"] == "North 24h")
    assert (
        f"access levels corrected at the same sequence number: {UNITS // 2} ({north_refs})"
        in second
    )
    assert f"PMS access levels no level maps (open sync conflicts): {UNITS // 2}" in second
    assert second.splitlines()[-1] == "drift found (see above)"
    assert ask(site["north"])[0]
    conflicts = _conflicts(service, maria, site["units"])
    assert _open(conflicts) == ["Platinum"] * (UNITS // 2)
    assert {c["resolved_by"] for c in conflicts if c["resolved_at"]} == {"pms"}

    # Nothing left to do: the second reconcile changes nothing, raises nothing new.
    third = _reconcile(service, pms)
    assert "access levels corrected at the same sequence number: 0" in third
    assert "events: none" in third
    assert third.splitlines()[-1] == "in sync"
    assert _conflicts(service, maria, site["units"]) == conflicts

    # The PMS clears the tenant's level (its control route): the next change takes it away.
    route = f"{pms}/v1/admin/facilities/LVS/units/{north_tenant['unit_ref']}/access-level"
    assert httpx.put(route, json={"access_level": ""}, timeout=5).status_code == 200
    fourth = _reconcile(service, pms)
    assert "behind (applied now): 1" in fourth
    assert ask(site["north"]) == (False, "outside-access-area")
    assert ask(site["gate"])[0]
