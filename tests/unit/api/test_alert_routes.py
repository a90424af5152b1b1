"""The alert routes: listing by status, acknowledging and resolving (each audited, a second
time refused), the facility's webhook (secret shown once), and who is on site."""

from __future__ import annotations

import time
from datetime import timedelta

from litestar import Litestar
from litestar.testing import TestClient
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from sqlmodel import col, select

from api.settings import Settings
from api.telemetry import build_telemetry
from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import DoorKind
from engine.persistence.tables import AlertRecord, AuditEntry, Door
from engine.sites import add_door
from tests.support.alerts import Script
from tests.support.api import app_for
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]


def _alert(companies: Companies) -> int:
    a = companies.a
    now = a.rt.clock.now()
    with a.rt.db.transaction() as s:
        alert = AlertRecord(
            facility_id=a.facility_id,
            rule="door_forced",
            kind="door_forced",
            severity="critical",
            subject=f"door:{a.gate_id}",
            door_id=a.gate_id,
            summary="door opened without an unlock",
            first_seen=now,
            last_seen=now,
        )
        s.add(alert)
        s.flush()
        assert alert.id is not None
        return alert.id


def _audit(companies: Companies, kind: str) -> list[AuditEntry]:
    with companies.a.rt.db.read() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.kind == kind)).all())


def test_acknowledge_then_resolve_each_audited(client: Client, companies: Companies) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    alert_id = _alert(companies)
    listed = client.get(f"/v1/facilities/{a.facility_id}/alerts?status=open", headers=manager)
    assert [x["id"] for x in listed.json()] == [alert_id]
    ack = client.post(
        f"/v1/alerts/{alert_id}/acknowledge", json={"note": "on my way"}, headers=manager
    )
    assert ack.status_code == 200, ack.text
    assert ack.json()["status"] == "acknowledged" and ack.json()["acknowledged_by"] == a.manager
    again = client.post(f"/v1/alerts/{alert_id}/acknowledge", json={}, headers=manager)
    assert again.status_code == 409
    done = client.post(
        f"/v1/alerts/{alert_id}/resolve", json={"note": "gate fixed"}, headers=manager
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert (
        client.post(f"/v1/alerts/{alert_id}/resolve", json={}, headers=manager).status_code == 409
    )
    [acked] = _audit(companies, "alert_acknowledged")
    [resolved] = _audit(companies, "alert_resolved")
    assert acked.actor == resolved.actor == a.manager
    assert acked.subject == f"alert:{alert_id}" and '"note":"gate fixed"' in resolved.payload
    with a.rt.db.read() as s:
        assert verify_chain(s, a.rt.audit, a.facility_id).ok
    open_now = client.get(f"/v1/facilities/{a.facility_id}/alerts?status=open", headers=manager)
    assert open_now.json() == []
    resolved_list = client.get(
        f"/v1/facilities/{a.facility_id}/alerts?status=resolved", headers=manager
    )
    assert [x["note"] for x in resolved_list.json()] == ["gate fixed"]


def test_a_tenant_may_not_see_or_touch_alerts(client: Client, companies: Companies) -> None:
    a = companies.a
    tenant = companies.headers(a, "tenant")
    alert_id = _alert(companies)
    assert client.get(f"/v1/facilities/{a.facility_id}/alerts", headers=tenant).status_code == 403
    answer = client.post(f"/v1/alerts/{alert_id}/resolve", json={}, headers=tenant)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert _audit(companies, "alert_resolved") == []


def test_the_webhook_secret_is_shown_once_and_changes_are_audited(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    path = f"/v1/facilities/{a.facility_id}/alert-webhook"
    assert client.get(path, headers=manager).status_code == 404
    bad = client.put(path, json={"url": "ftp://x"}, headers=manager)
    assert bad.status_code == 400
    made = client.put(path, json={"url": "https://ops.example/hook"}, headers=manager)
    assert made.status_code == 200, made.text
    secret = made.json()["secret"]
    assert len(secret) == 64
    shown = client.get(path, headers=manager).json()
    assert shown["secret"] is None and shown["fingerprint"] == made.json()["fingerprint"]
    mine = client.put(
        path, json={"url": "https://ops.example/h2", "secret": "m" * 20}, headers=manager
    )
    assert mine.json()["secret"] is None and mine.json()["url"] == "https://ops.example/h2"
    assert client.delete(path, headers=manager).status_code == 204
    entries = _audit(companies, "alert_webhook_set")
    assert len(entries) == 2 and all(secret not in e.payload for e in entries)
    assert len(_audit(companies, "alert_webhook_removed")) == 1


def test_on_site_counts_entries_and_exits_and_lapses(
    client: Client, companies: Companies, clock: ManualClock
) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    gate = client.patch(f"/v1/doors/{a.gate_id}", json={"direction": "in"}, headers=manager)
    assert gate.status_code == 200 and gate.json()["direction"] == "in"
    with a.rt.db.transaction() as s:
        exit_gate = add_door(s, a.facility_id, "Exit gate", DoorKind.GATE)
        exit_gate.direction = "out"
        s.add(exit_gate)
        office = add_door(s, a.facility_id, "Office", DoorKind.BUILDING_DOOR)
    alice, bob = companies.tenant(a, 0), companies.tenant(a, 1)
    entry = Script(a.rt, a.facility_id, a.gate_id, lock_id="unused")
    entry.decision(alice, allowed=True)
    entry.decision(bob, allowed=True)
    entry.decision(bob, allowed=False, door_id=exit_gate.id)  # a denial moves nobody
    clock.advance(timedelta(minutes=5))
    entry.decision(alice, allowed=True, door_id=exit_gate.id)
    entry.decision(alice, allowed=True, door_id=office.id)  # not a counted door
    here = client.get(f"/v1/facilities/{a.facility_id}/on-site", headers=manager)
    assert [p["person_id"] for p in here.json()] == [bob]
    assert here.json()[0]["door_name"] == "Main gate"
    clock.advance(timedelta(hours=12, minutes=1))  # bob never badged out
    assert client.get(f"/v1/facilities/{a.facility_id}/on-site", headers=manager).json() == []
    office_direction = client.patch(
        f"/v1/doors/{office.id}", json={"direction": "in"}, headers=manager
    )
    assert office_direction.status_code == 400
    with a.rt.db.read() as s:
        assert [d.direction for d in s.exec(select(Door).where(col(Door.id) == a.gate_id))] == [
            "in"
        ]


def test_anti_passback_refuses_a_second_entry_until_an_exit(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    no_direction = client.patch(
        f"/v1/doors/{a.gate_id}", json={"anti_passback": True}, headers=manager
    )
    assert no_direction.status_code == 400  # anti-passback needs an entry gate
    gate = client.patch(
        f"/v1/doors/{a.gate_id}", json={"direction": "in", "anti_passback": True}, headers=manager
    )
    assert gate.status_code == 200 and gate.json()["anti_passback"] is True
    out = client.post(
        f"/v1/facilities/{a.facility_id}/doors",
        json={"name": "Exit gate", "kind": "gate", "direction": "out"},
        headers=manager,
    )
    assert out.status_code == 201, out.text

    def enter(door: str) -> dict[str, object]:
        answer = client.post(f"/v1/doors/{door}/access-requests", json={}, headers=manager)
        assert answer.status_code == 201, answer.text
        body: dict[str, object] = answer.json()
        return body

    assert enter(a.gate_id)["allowed"] is True
    second = enter(a.gate_id)
    assert second["allowed"] is False and "anti-passback" in str(second["reason"])
    assert enter(out.json()["id"])["allowed"] is True
    assert enter(a.gate_id)["allowed"] is True


def test_the_duty_in_the_app_raises_and_counts_an_alert(companies: Companies) -> None:
    """The app's own alert duty, woken by the decisions the gate records, opens the alert;
    `unitgate.alerts.raised` counts it."""
    metrics = InMemoryMetricReader()
    telemetry = build_telemetry(Settings(), metric_reader=metrics)
    a = companies.a
    with TestClient(app_for(a.rt, telemetry)) as client:
        tenant = companies.headers(a, "tenant")
        lock = companies.lock(a, 1)  # another tenant's unit: denied
        for _ in range(5):
            denied = client.post(f"/v1/doors/{lock}/access-requests", json={}, headers=tenant)
            assert denied.json()["allowed"] is False

        def listed() -> list[dict[str, object]]:
            got: list[dict[str, object]] = client.get(
                f"/v1/facilities/{a.facility_id}/alerts", headers=companies.headers(a, "manager")
            ).json()
            return got

        deadline = time.monotonic() + 10
        while not listed() and time.monotonic() < deadline:
            time.sleep(0.05)
        [alert] = listed()
    assert alert["rule"] == "repeated_denials_person"
    data = metrics.get_metrics_data()
    points = [
        dp
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == "unitgate.alerts.raised"
        for dp in m.data.data_points
    ]
    assert [(p.attributes["rule"], p.value) for p in points] == [("repeated_denials_person", 1)]
