"""Company isolation: callers of company A get 404 or 403 on every route for company B's objects.

Routes come from the app's own OpenAPI document, so a new route is covered (or fails here
for want of a body) without editing this test.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from engine.persistence.tables import (
    AccessArea,
    AccessLevel,
    AccessSchedule,
    AlertRecord,
    AlertWebhook,
    CodeGrant,
    Door,
    KeypadCode,
    KeypadLock,
    LockAction,
    Person,
    PmsInboxEntry,
    Role,
    SyncConflict,
)
from engine.units import active_rental
from tests.support.locks import install_lock
from tests.support.outbox import queue
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]

_WINDOW = {
    "window_start": datetime(2026, 1, 1, 13).isoformat() + "Z",
    "window_end": (datetime(2026, 1, 1, 13) + timedelta(days=2)).isoformat() + "Z",
}
_BODIES: dict[str, dict[str, object]] = {
    "/v1/units/{unit_id}/pending-auction": {"reason": "three months unpaid"},
    "/v1/units/{unit_id}/emergency": {
        "reason": "phone locked in",
        "identity_verification": "licence checked",
    },
    "/v1/units/{unit_id}/auction-sale": {"reason": "sold", "winner": {"name": "W"}, **_WINDOW},
    "/v1/units/{unit_id}/cleanout": {"reason": "clean", "employee_id": "x", **_WINDOW},
    "/v1/units/{unit_id}/restore": {"reason": "paid in full"},
    "/v1/units/{unit_id}/shares": {"email": "someone@mail.example"},
    "/v1/units/{unit_id}/activation/resend": {},
    "/v1/doors/{door_id}/access-requests": {"channel": "phone_relay"},
    "/v1/doors/{door_id}/remote-unlocks": {"reason": "tenant asked"},
    "/v1/doors/{door_id}/explain": {"person_id": "x"},
    "/v1/roles/{role_id}/assignments": {"person_id": "x"},
    "/v1/facilities/{facility_id}/sync/quarantine/{entry_id}/retry": {},
    "/v1/pms/webhooks/{facility_id}": {"records": []},
    "/v1/facilities/{facility_id}": {"name": "Renamed"},
    "/v1/facilities/{facility_id}/units": {"number": "X1"},
    "/v1/facilities/{facility_id}/doors": {"name": "Side gate", "kind": "gate"},
    "/v1/units/{unit_id}": {"building": "Z"},
    "/v1/doors/{door_id}": {"name": "Renamed"},
    "/v1/doors/{door_id}/lock": {"lock_ref": "stolen-lock"},
    "/v1/sync-conflicts/{conflict_id}/resolve": {"note": "resolved elsewhere"},
    "/v1/facilities/{facility_id}/gateways": {"name": "hub", "url": "http://10.0.0.9:8091"},
    "/v1/facilities/{facility_id}/locks": {
        "lock_id": "00000000-0000-4000-8000-000000000001",
        "name": "stolen",
        "public_key": "ab" * 32,
    },
    "/v1/facilities/{facility_id}/offline-keys/{key_id}/revoke": {},
    "/v1/facilities/{facility_id}/messages/{message_id}/retry": {},
    "/v1/keypad-codes/{code_id}/reveal": {},
    "/v1/tenants/{person_id}/diagnosis/link": {},
    "/v1/facilities/{facility_id}/code-grants": {
        "kind": "vendor",
        "door_ids": ["x"],
        "starts_at": "2026-01-01T13:00:00Z",
        "ends_at": "2026-01-02T13:00:00Z",
        "holder_name": "Waste Co",
        "holder_phone": "+15550100009",
    },
    "/v1/code-grants/{grant_id}": {"ends_at": "2026-01-03T13:00:00Z"},
    "/v1/code-grants/{grant_id}/cancel": {},
    "/v1/facilities/{facility_id}/access-areas": {"name": "stolen area"},
    "/v1/facilities/{facility_id}/access-schedules": {"name": "stolen", "always": True},
    "/v1/facilities/{facility_id}/access-levels": {"name": "stolen level"},
    "/v1/access-areas/{area_id}": {"name": "renamed"},
    "/v1/access-schedules/{schedule_id}": {"name": "renamed", "always": True},
    "/v1/access-levels/{level_id}": {"name": "renamed"},
    "/v1/rentals/{rental_id}/access": {"around_the_clock": True},
    "/v1/alerts/{alert_id}/acknowledge": {},
    "/v1/alerts/{alert_id}/resolve": {"note": "not mine"},
    "/v1/facilities/{facility_id}/alert-webhook": {"url": "http://10.0.0.9/hook"},
}
_WITH_BODY = {"POST", "PATCH", "PUT"}


def _operations(client: Client) -> list[tuple[str, str]]:
    spec = client.get("/docs/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if "{" in path
        for method in item
        if method in {"get", "post", "delete", "put", "patch"}
    ]


def _b_objects(client: Client, companies: Companies) -> dict[str, str]:
    b = companies.b
    share = client.post(
        f"/v1/units/{b.units[0]}/shares",
        json={"email": "b-friend@mail.example"},
        headers=companies.headers(b, "tenant"),
    )
    assert share.status_code == 201
    with b.rt.db.read() as s:
        role = s.exec(select(Role.id).where(Role.company_id == b.company_id)).first()
    assert role is not None
    with b.rt.db.transaction() as s:
        entry = PmsInboxEntry(
            facility_id=b.facility_id,
            unit_ref="U1",
            seq=1,
            source="poll",
            payload="{}",
            received_at=b.rt.clock.now(),
            status="quarantined",
        )
        s.add(entry)
        conflict = SyncConflict(
            unit_id=b.units[0],
            facility_id=b.facility_id,
            event="current",
            pms_seq=1,
            detail="sold at auction",
            at=b.rt.clock.now(),
        )
        s.add(conflict)
        door = s.get(Door, companies.lock(b))
        assert door is not None and door.lock_ref is not None
        action = LockAction(
            facility_id=b.facility_id,
            door_id=door.id,
            lock_id=door.lock_ref,
            command_id=str(uuid4()),
            requested_by=b.manager,
            created_at=b.rt.clock.now(),
        )
        s.add(action)
        now = b.rt.clock.now()
        s.add(
            KeypadLock(
                device_id="kp-b",
                facility_id=b.facility_id,
                door_id=door.id,
                model="generic_keypad",
                created_at=now,
            )
        )
        s.flush()
        person = s.exec(select(Person.id)).first()
        assert person is not None
        code = KeypadCode(
            device_id="kp-b",
            person_id=person,
            via="rental:x",
            reference="R-x",
            code="482915",
            name="B tenant",
            created_at=now,
            updated_at=now,
        )
        s.add(code)
        grant = CodeGrant(
            facility_id=b.facility_id,
            kind="vendor",
            reference="G-b",
            person_id=person,
            holder_name="B vendor",
            door_ids=[door.id],
            starts_at=now,
            ends_at=now + timedelta(days=1),
            created_by=b.manager,
            created_at=now,
            updated_at=now,
        )
        s.add(grant)
        s.flush()
        grant_id = grant.id
        area = AccessArea(facility_id=b.facility_id, name="b area")
        schedule = AccessSchedule(facility_id=b.facility_id, name="b hours", spec={"always": True})
        level = AccessLevel(facility_id=b.facility_id, name="b level")
        s.add_all([area, schedule, level])
        s.flush()
        entry_id, conflict_id, code_id = entry.id, conflict.id, code.id
        levels = {"area_id": area.id, "schedule_id": schedule.id, "level_id": level.id}
        rental = active_rental(s, b.units[0])
        assert rental is not None
        levels["rental_id"] = rental.id
        alert = AlertRecord(
            facility_id=b.facility_id,
            rule="door_forced",
            kind="door_forced",
            severity="critical",
            subject=f"door:{door.id}",
            summary="forced",
            first_seen=now,
            last_seen=now,
        )
        s.add(alert)
        s.add(
            AlertWebhook(
                facility_id=b.facility_id,
                url="http://10.0.0.9/b-hook",
                secret="b" * 32,
                updated_at=now,
                updated_by=b.manager,
            )
        )
        s.flush()
        alert_id = alert.id
    install_lock(b.rt, b.facility_id, companies.lock(b))
    key = client.post(
        "/v1/me/offline-keys",
        json={"facility_id": b.facility_id, "phone_public_key": "ab" * 32},
        headers=companies.headers(b, "tenant"),
    )
    assert key.status_code == 201, key.text
    return {
        "facility_id": b.facility_id,
        "unit_id": b.units[0],
        "door_id": companies.lock(b),
        "share_id": share.json()["id"],
        "role_id": role,
        "entry_id": str(entry_id),
        "conflict_id": str(conflict_id),
        "action_id": action.id,
        "key_id": str(key.json()["key_id"]),
        "message_id": queue(b.rt.db, b.facility_id, b.rt.clock.now(), prefix="b-only")[0],
        "device_id": "kp-b",
        "code_id": code_id,
        "grant_id": grant_id,
        "person_id": companies.tenant(b),
        **levels,
        "alert_id": str(alert_id),
    }


@pytest.mark.parametrize("who", ["manager", "tenant"])
def test_company_a_never_reaches_company_b(client: Client, companies: Companies, who: str) -> None:
    objects = _b_objects(client, companies)
    headers = companies.headers(companies.a, who)
    operations = _operations(client)
    assert len(operations) >= 27
    for method, path in operations:
        url = path.format(**objects)
        body = _BODIES.get(path) if method in _WITH_BODY else None
        assert method not in _WITH_BODY or body is not None, f"no test body for {path}"
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code in (403, 404), (method, path, who, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        # Nothing of B leaks into the message.
        for value in objects.values():
            if response.status_code == 403:
                assert value not in response.text, (method, path)


def test_b_objects_are_reachable_by_b(client: Client, companies: Companies) -> None:
    """The same requests succeed for B's own manager, so the 404s above are real isolation."""
    objects = _b_objects(client, companies)
    headers = companies.headers(companies.b, "manager")
    for path in (
        "/v1/facilities/{facility_id}",
        "/v1/units/{unit_id}",
        "/v1/facilities/{facility_id}/alerts",
        "/v1/facilities/{facility_id}/alert-webhook",
        "/v1/facilities/{facility_id}/on-site",
    ):
        assert client.get(path.format(**objects), headers=headers).status_code == 200
    allowed = client.post(
        f"/v1/doors/{objects['door_id']}/explain",
        json={"person_id": companies.tenant(companies.b)},
        headers=headers,
    )
    assert allowed.status_code == 201
