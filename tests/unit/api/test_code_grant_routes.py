"""Code grant routes over the app: giving, listing, showing, moving and cancelling grants
(`codes.manage`), their refusals as problem details, and a person's masked codes after the
reconciler ran; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from adapters.lockservice.sim import SimulatedLockService
from engine.codes import ReconcileConfig, Reconciler
from engine.domain import Permission
from engine.persistence.tables import AuditEntry, Door, KeypadCode, KeypadLock
from engine.sites import add_person, assign_role, create_role
from tests.support.api import bearer
from tests.support.keypad import shipped_policy
from tests.support.world import World
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]


def _keypad_gate(world: World, device: str) -> None:
    """The world's gate gets keypad `device`, matched as a reconcile round would."""
    now = world.rt.clock.now()
    with world.rt.db.transaction() as s:
        gate = s.get(Door, world.gate_id)
        assert gate is not None
        gate.lock_ref = device
        s.add(gate)
        s.add(
            KeypadLock(
                device_id=device,
                facility_id=world.facility_id,
                door_id=gate.id,
                model="generic_keypad",
                created_at=now,
            )
        )


@pytest.fixture
def client(both_companies: Companies) -> Iterator[Client]:
    _keypad_gate(both_companies.a, "kp-a")
    _keypad_gate(both_companies.b, "kp-b")
    with TestClient(both_companies.app) as c:
        yield c


def _body(world: World, **over: Any) -> dict[str, Any]:
    now = world.rt.clock.now()
    return {
        "kind": "reservation",
        "door_ids": [world.gate_id],
        "starts_at": (now + timedelta(hours=2)).isoformat(),
        "ends_at": (now + timedelta(hours=26)).isoformat(),
        "buffer_before_minutes": 30,
        "buffer_after_minutes": 60,
        "reference": "RES-1042",
        "holder_name": "Gail Guest",
        "holder_phone": "+15550100077",
        **over,
    }


def _problem(answer: Any, status: int, says: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert says in answer.text, answer.text


def test_a_manager_gives_lists_shows_moves_and_cancels_a_grant(
    client: Client, both_companies: Companies
) -> None:
    a = both_companies.a
    manager = both_companies.headers(a, "manager")
    made = client.post(
        f"/v1/facilities/{a.facility_id}/code-grants", json=_body(a), headers=manager
    )
    assert made.status_code == 201, made.text
    g = made.json()
    assert g["status"] == "loaded" and g["reference"] == "RES-1042"
    starts = a.rt.clock.now() + timedelta(hours=2)
    assert g["opens_at"] == (starts - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    listed = client.get(f"/v1/facilities/{a.facility_id}/code-grants", headers=manager).json()
    assert [x["id"] for x in listed] == [g["id"]]
    moved = client.patch(
        f"/v1/code-grants/{g['id']}", json={"buffer_after_minutes": 0}, headers=manager
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["closes_at"] == g["ends_at"]
    cancelled = client.post(f"/v1/code-grants/{g['id']}/cancel", headers=manager)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/v1/code-grants/{g['id']}/cancel", headers=manager)
    assert again.json()["cancelled_at"] == cancelled.json()["cancelled_at"]
    shown = client.get(f"/v1/code-grants/{g['id']}", headers=manager).json()
    assert shown["status"] == "cancelled"
    _problem(
        client.patch(
            f"/v1/code-grants/{g['id']}", json={"buffer_after_minutes": 5}, headers=manager
        ),
        409,
        "cancelled",
    )
    with a.rt.db.read() as s:
        kinds = [
            e.kind
            for e in s.exec(select(AuditEntry).where(AuditEntry.subject == f"code_grant:{g['id']}"))
        ]
    assert kinds == ["code_grant_created", "code_grant_changed", "code_grant_cancelled"]


def test_bad_grants_are_refused_with_problem_details(
    client: Client, both_companies: Companies
) -> None:
    a, b = both_companies.a, both_companies.b
    manager = both_companies.headers(a, "manager")
    url = f"/v1/facilities/{a.facility_id}/code-grants"
    now = a.rt.clock.now()
    early = (now + timedelta(hours=1)).isoformat()
    cases = [
        (
            _body(a, ends_at=early, starts_at=(now + timedelta(hours=3)).isoformat()),
            400,
            "not after",
        ),
        (_body(a, door_ids=["no-such-door"]), 404, "no door `no-such-door`"),
        (_body(a, door_ids=[b.gate_id]), 404, "no door"),
        (_body(a, door_ids=[both_companies.lock(a)]), 400, "has no keypad lock"),
        (_body(a, kind="cleanout"), 400, "kind"),
        (_body(a, kind="temporary", ends_at=(now + timedelta(days=3)).isoformat()), 400, "one day"),
        (_body(a, holder_name=None, holder_phone=None), 400, "person_id"),
        (_body(a, holder_phone=None), 400, "phone or an email"),
        (_body(a, person_id=both_companies.tenant(b), holder_name=None), 404, "no person"),
        (_body(a, buffer_before_minutes=2000), 400, "buffer_before_minutes"),
    ]
    for body, status, says in cases:
        _problem(client.post(url, json=body, headers=manager), status, says)
    tenant = both_companies.headers(a, "tenant")
    _problem(client.post(url, json=_body(a), headers=tenant), 403, "codes.manage")
    with a.rt.db.transaction() as s:  # a clerk who may see but not give codes
        role = create_role(s, a.company_id, "Clerk", [Permission.FACILITY_VIEW])
        clerk = add_person(s, "Clerk", now, email="clerk@acme.example")
        assign_role(s, clerk.id, role.id)
    _problem(
        client.post(url, json=_body(a), headers=bearer(clerk.id, a.company_id, "employee")),
        403,
        "codes.manage",
    )
    other = f"/v1/facilities/{b.facility_id}/code-grants"
    _problem(client.post(other, json=_body(b), headers=manager), 404, "no facility")


def test_a_persons_codes_are_masked_with_status(client: Client, both_companies: Companies) -> None:
    a = both_companies.a
    rt = a.rt
    manager = both_companies.headers(a, "manager")
    made = client.post(
        f"/v1/facilities/{a.facility_id}/code-grants",
        json=_body(a, kind="vendor", reference=None),
        headers=manager,
    ).json()
    assert made["reference"].startswith("G-")
    sim = SimulatedLockService(rt.clock)
    sim.add_device("kp-a", "generic_keypad")
    sim.add_device("kp-b", "generic_keypad")
    Reconciler(
        rt.db, sim, rt.access, shipped_policy, rt.clock, ReconcileConfig(seed=1), rt.audit
    ).run_once()
    got = client.get(f"/v1/people/{made['person_id']}/codes", headers=manager)
    assert got.status_code == 200, got.text
    [code] = got.json()
    with rt.db.read() as s:
        row = s.exec(select(KeypadCode).where(KeypadCode.person_id == made["person_id"])).one()
    [number] = [c.code for c in sim.snapshot()["kp-a"] if c.access_code_id == row.access_code_id]
    assert code["masked"] == "****" + number[-2:] and number not in got.text
    assert code["via"] == f"code_grant:{made['id']}" and code["door_id"] == a.gate_id
    assert code["state"] == "active" and code["status"] == "set" and code["errors"] == []
    b_manager = both_companies.headers(both_companies.b, "manager")
    _problem(
        client.get(f"/v1/people/{made['person_id']}/codes", headers=b_manager), 404, "no person"
    )
    mine = client.get("/v1/me/codes", headers=both_companies.headers(a, "tenant"))
    assert mine.status_code == 200, mine.text
    [own] = mine.json()
    assert own["via"].startswith("rental:") and own["device_id"] == "kp-a"
