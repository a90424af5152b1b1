"""Alerts and who is on site in the running service, over HTTP only: repeated denials of one
person at the gate raise one alert, listed with its message to the manager queued in the
outbox; acknowledging and resolving it; a gate's direction counts people in and out."""

from __future__ import annotations

from typing import Any

import pytest

from api.demo import DEMO_COMPANY_ID
from tests.support.service import Service, wait_for

pytestmark = pytest.mark.slow

MARIA = "maria@acme-storage.example"
ADA = "ada@acme-storage.example"
"""The auditor: no `entry.open`, so the gate refuses her."""


def _riverside(service: Service, who: dict[str, str]) -> str:
    facilities: list[dict[str, Any]] = service.get("/v1/facilities", who)
    return next(f["id"] for f in facilities if f["name"] == "Riverside Self Storage")


def _gate(service: Service, who: dict[str, str], facility: str, name: str) -> dict[str, Any]:
    doors: list[dict[str, Any]] = service.get(f"/v1/facilities/{facility}/doors", who)
    return next(d for d in doors if d["name"] == name)


def test_repeated_denials_raise_one_alert_listed_in_the_api(service: Service) -> None:
    maria = service.as_(MARIA, DEMO_COMPANY_ID, "employee")
    ada = service.as_(ADA, DEMO_COMPANY_ID, "employee")
    facility = _riverside(service, maria)
    gate = _gate(service, maria, facility, "Main gate")
    for _ in range(7):
        answer = service.post(f"/v1/doors/{gate['id']}/access-requests", {}, ada)
        assert answer["allowed"] is False

    def raised() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = service.get(
            f"/v1/facilities/{facility}/alerts", maria, params={"status": "open"}
        )
        mine = [a for a in found if a["rule"] == "repeated_denials_person"]
        return mine if mine and mine[0]["count"] == 3 else []

    [alert] = wait_for(raised, what="the repeated-denials alert")
    assert alert["subject"].startswith("person:") and alert["severity"] == "warning"
    messages = service.get(f"/v1/facilities/{facility}/messages", maria, params={"kind": "alert"})
    assert any(m["recipient"] == MARIA and m["channel"] == "email" for m in messages)

    acked = service.post(
        f"/v1/alerts/{alert['id']}/acknowledge", {"note": "calling her"}, maria, 200
    )
    assert acked["status"] == "acknowledged"
    assert service.post(f"/v1/alerts/{alert['id']}/acknowledge", {}, maria, 409)["status"] == 409
    done = service.post(f"/v1/alerts/{alert['id']}/resolve", {"note": "badge fixed"}, maria, 200)
    assert done["status"] == "resolved" and done["resolved_by"].startswith("person:")
    denied = service.http.post(
        f"/v1/alerts/{alert['id']}/resolve", json={}, headers=ada
    )  # the auditor may not
    assert denied.status_code == 403


def test_on_site_follows_the_gates(service: Service) -> None:
    maria = service.as_(MARIA, DEMO_COMPANY_ID, "employee")
    facility = _riverside(service, maria)
    entry = _gate(service, maria, facility, "Main gate")
    leave = _gate(service, maria, facility, "Exit gate")
    for door, direction in ((entry, "in"), (leave, "out")):
        changed = service.http.patch(
            f"/v1/doors/{door['id']}", json={"direction": direction}, headers=maria
        )
        assert changed.status_code == 200 and changed.json()["direction"] == direction
    assert service.post(f"/v1/doors/{entry['id']}/access-requests", {}, maria)["allowed"]
    here = service.get(f"/v1/facilities/{facility}/on-site", maria)
    assert [p["door_name"] for p in here] == ["Main gate"]
    assert service.post(f"/v1/doors/{leave['id']}/access-requests", {}, maria)["allowed"]
    assert service.get(f"/v1/facilities/{facility}/on-site", maria) == []
