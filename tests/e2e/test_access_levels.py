"""Access levels on the real server over HTTP (SQLite and PostgreSQL): a manager sets up
areas, a schedule and levels; a tenant the PMS moved in is refused at a building door
outside their area and at the gate outside the schedule, and let in where their levels say;
the PMS's access-level name gives the tenant the building's level through the sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.demo import DEMO_COMPANY_ID
from tests.support.service import Service, wait_for

pytestmark = pytest.mark.slow

MARIA = "maria@acme-storage.example"
ZONE = "Australia/Lord_Howe"


def _record(seq: int, **extra: object) -> dict[str, object]:
    return {
        "unit_ref": "lv-n1",
        "seq": seq,
        "status": "occupied",
        "tenant_ref": "T-lena",
        "first_name": "Lena",
        "last_name": "Level",
        "email": "lena@levels.example",
        "lease_start": "2020-01-01",
        **extra,
    }


def test_a_tenant_meets_their_area_and_schedule_at_the_doors(service: Service) -> None:
    maria = service.as_(MARIA, DEMO_COMPANY_ID, "employee")
    facility = service.post(
        "/v1/facilities",
        {
            "key": "levelside",
            "name": "Levelside Storage",
            "timezone": ZONE,
            "country": "AU",
            "access_opens": "00:00",
            "access_closes": "00:00",
            "pms_ref": "LVL",
        },
        maria,
    )
    f = f"/v1/facilities/{facility['id']}"
    service.post(
        f"{f}/units",
        {"number": "N1", "building": "North", "pms_ref": "lv-n1", "lock_ref": "lv-l1"},
        maria,
    )
    gate = service.post(f"{f}/doors", {"name": "Gate", "kind": "gate"}, maria)["id"]
    north = service.post(
        f"{f}/doors",
        {"name": "North door", "kind": "building_door", "serves": [{"building": "North"}]},
        maria,
    )["id"]
    gate_area = service.post(f"{f}/access-areas", {"name": "site gate", "door_ids": [gate]}, maria)
    north_area = service.post(f"{f}/access-areas", {"name": "north", "door_ids": [north]}, maria)
    hours = service.post(f"{f}/access-schedules", {"name": "hours", "always": True}, maria)
    service.post(
        f"{f}/access-levels",
        {
            "name": "standard",
            "area_id": gate_area["id"],
            "schedule_id": hours["id"],
            "is_default": True,
        },
        maria,
    )
    service.post(
        f"{f}/access-levels",
        {"name": "north 24/7", "area_id": north_area["id"], "pms_names": ["North 24h"]},
        maria,
    )

    pushed = service.push_pms(facility["id"], [_record(1)], company_id=DEMO_COMPANY_ID)
    assert pushed.status_code == 202, pushed.text
    lena = service.as_("lena@levels.example", DEMO_COMPANY_ID, "tenant")

    def ask(door: str) -> tuple[bool, str | None]:
        got = service.post(f"/v1/doors/{door}/access-requests", {}, lena)
        return got["allowed"], got["rule"]

    wait_for(lambda: ask(gate)[0], what="the sync to move Lena in")
    assert ask(north) == (False, "outside-access-area")

    # Today and tomorrow (local dates) closed: the gate is outside the schedule.
    today = datetime.now(UTC).astimezone(ZoneInfo(ZONE)).date()
    closed = [{"date": (today + timedelta(days=d)).isoformat(), "windows": []} for d in (0, 1)]
    changed = service.http.put(
        f"/v1/access-schedules/{hours['id']}",
        json={
            "name": "hours",
            "weekly": {
                d: [{"opens": "00:00", "closes": "24:00"}]
                for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            "exceptions": closed,
        },
        headers=maria,
    )
    assert changed.status_code == 200, changed.text
    assert ask(gate) == (False, "outside-schedule")
    assert ask(north) == (False, "outside-access-area")

    # The PMS names Lena's access level: the sync gives her the north level (24/7).
    pushed = service.push_pms(
        facility["id"], [_record(2, access_level="north 24H")], company_id=DEMO_COMPANY_ID
    )
    assert pushed.status_code == 202, pushed.text
    wait_for(lambda: ask(north)[0], what="the sync to map `north 24H`")
    assert ask(gate) == (False, "outside-schedule")

    # An unknown name is reported on the unit, and maps nothing.
    service.push_pms(
        facility["id"], [_record(3, access_level="Platinum")], company_id=DEMO_COMPANY_ID
    )
    wait_for(lambda: not ask(north)[0], what="the sync to apply seq 3")
    (unit,) = service.get(f"{f}/units", maria)
    detail = service.get(f"/v1/units/{unit['id']}", maria)
    assert any("`Platinum`" in c["detail"] for c in detail["conflicts"])
