"""Invariant 13 on the running server, over HTTP only: an auction window and an emergency of
a few seconds end by themselves. `unitgate serve`'s expiry duty records each end (a
transition by `system:clock` in the history, the tenant's feed and the verified audit
chain); the winner's grant is revoked; the next PMS record applies to the state left
behind; a new emergency is accepted. On SQLite and PostgreSQL.

Units (Riverside, demo data): A116 (James's, overlocked and pending auction) and A105
(Ava's, occupied). No other test of this module touches them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.demo import DEMO_COMPANY_ID
from tests.support.service import Service, wait_for

pytestmark = pytest.mark.slow

SECONDS = 3.0
"""How long the window and the emergency last."""


def _employee(service: Service) -> dict[str, str]:
    return service.as_("maria@acme-storage.example", DEMO_COMPANY_ID, "employee")


def _riverside_unit(service: Service, number: str) -> tuple[str, dict[str, Any], str]:
    """(facility id, the unit, its lock's door id) for a Riverside unit number."""
    maria = _employee(service)
    facility = next(
        f for f in service.get("/v1/facilities", maria) if f["name"].startswith("Riverside")
    )
    # Open around the clock: whether a door opens must not depend on when the test runs
    # (Riverside closes 22:00-06:00 Chicago time).
    hours = {"access_opens": "00:00", "access_closes": "00:00"}
    patched = service.http.patch(f"/v1/facilities/{facility['id']}", json=hours, headers=maria)
    assert patched.status_code == 200, patched.text
    units = service.get(f"/v1/facilities/{facility['id']}/units", maria)
    unit = next(u for u in units if u["number"] == number)
    doors = service.get(f"/v1/facilities/{facility['id']}/doors", maria)
    lock = next(d["id"] for d in doors if d["unit_id"] == unit["id"])
    return facility["id"], unit, lock


def _recorded(service: Service, tenant: dict[str, str], event: str) -> dict[str, Any] | None:
    """The tenant's feed item of `event`, once it is there (the feed records nothing itself,
    so only the duty can have put it there)."""
    feed = service.get("/v1/me/activity", tenant, params={"limit": 1000})
    return next((i for i in feed if i["kind"] == "transition" and event in i["summary"]), None)


def test_an_auction_window_of_seconds_ends_by_itself(service: Service) -> None:
    maria = _employee(service)
    facility_id, unit, lock = _riverside_unit(service, "A116")
    assert unit["state"] == "pending_auction"
    winner = service.as_("wendy@bids.example", DEMO_COMPANY_ID, "auction_winner")
    tenant = service.as_("james@mail.example", DEMO_COMPANY_ID, "tenant")
    now = datetime.now(UTC)
    end = now + timedelta(seconds=SECONDS)
    sale = {
        "reason": "online auction lot 116",
        "winner": {"name": "Wendy Winner", "email": "wendy@bids.example"},
        "window_start": (now - timedelta(minutes=1)).isoformat(),
        "window_end": end.isoformat(),
    }
    sold = service.post(f"/v1/units/{unit['id']}/auction-sale", sale, maria)
    assert sold["unit"]["state"] == "auction"
    inside = service.post(f"/v1/doors/{lock}/access-requests", {}, winner)
    assert inside["allowed"] is True, inside

    item = wait_for(
        lambda: _recorded(service, tenant, "access_expired"),
        timeout=SECONDS + 15,
        what="the window's end in the tenant's feed",
    )
    assert item["summary"].startswith("auction → pending_auction (access_expired)")
    assert item["actor_kind"] == "system"
    detail = service.get(f"/v1/units/{unit['id']}", maria)
    assert (detail["state"], detail["effective_state"]) == ("pending_auction", "pending_auction")
    expired = detail["history"][0]
    assert (expired["event"], expired["actor"], expired["source"]) == (
        "access_expired",
        "system:clock",
        "system",
    )
    assert datetime.fromisoformat(expired["at"]) >= end  # never before its stated end
    assert [g["revoked_at"] is not None for g in detail["grants"]] == [True]
    after = service.post(f"/v1/doors/{lock}/access-requests", {}, winner)
    assert after["allowed"] is False
    assert "audit log ok" in service.cli("audit", "verify").stdout

    # Seed 002: the next PMS record returns pending_auction to the PMS status.
    record = {
        "unit_ref": "riverside-A116",
        "seq": detail["last_pms_seq"] + 1,
        "status": "occupied",
        "delinquency": "overlock",
        "tenant_ref": "demo-t15",
        "first_name": "James",
        "last_name": "Walsh",
        "email": "james@mail.example",
        "lease_start": (now - timedelta(days=30)).date().isoformat(),
    }
    pushed = service.push_pms(facility_id, [record])
    assert pushed.status_code == 202, pushed.text
    assert pushed.json()["outcomes"] == {"applied": 1}
    assert service.get(f"/v1/units/{unit['id']}", maria)["state"] == "overlock"


def test_an_emergency_of_seconds_ends_by_itself(service: Service) -> None:
    maria = _employee(service)
    _, unit, _ = _riverside_unit(service, "A105")
    assert unit["state"] == "occupied"
    tenant = service.as_("ava@mail.example", DEMO_COMPANY_ID, "tenant")
    body = {
        "reason": "phone locked in the unit",
        "identity_verification": "photo id matched the lease",
        "ends_at": (datetime.now(UTC) + timedelta(seconds=SECONDS)).isoformat(),
    }
    started = service.post(f"/v1/units/{unit['id']}/emergency", body, maria)
    assert started["unit"]["state"] == "pending_auction"

    wait_for(
        lambda: _recorded(service, tenant, "emergency_expired"),
        timeout=SECONDS + 15,
        what="the emergency's end in the tenant's feed",
    )
    detail = service.get(f"/v1/units/{unit['id']}", maria)
    assert (detail["state"], detail["effective_state"]) == ("occupied", "occupied")
    assert (detail["history"][0]["event"], detail["history"][0]["actor"]) == (
        "emergency_expired",
        "system:clock",
    )
    again = {**body, "ends_at": None, "minutes": 5}
    service.post(f"/v1/units/{unit['id']}/emergency", again, maria, expect=201)
