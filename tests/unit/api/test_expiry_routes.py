"""Reads, portal actions and door decisions that meet a unit past its stated end, before any
expiry duty ran (the app here runs none), on SQLite and PostgreSQL; emergencies with
`ends_at`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import func, select

from engine.clock import ManualClock
from engine.domain import LifecycleEvent
from engine.persistence.tables import AuditEntry, TransitionRecord
from engine.runtime import Runtime
from tests.support.api import app_for, bearer, door_of, tenant_of
from tests.support.liens import emergency, sold
from tests.support.world import World, build_world

E = LifecycleEvent


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime, units=3)


@pytest.fixture
def client(world: World) -> Iterator[TestClient[Litestar]]:
    with TestClient(app_for(world.rt)) as c:
        yield c


def manager(world: World) -> dict[str, str]:
    return bearer(world.manager_id, world.company_id, "employee")


def audit_entries(world: World) -> int:
    with world.rt.db.read() as s:
        return int(s.exec(select(func.count()).select_from(AuditEntry)).one())


def expiries(world: World, unit_id: str) -> list[str]:
    with world.rt.db.read() as s:
        return list(
            s.exec(
                select(TransitionRecord.event).where(
                    TransitionRecord.unit_id == unit_id,
                    TransitionRecord.actor == "system:clock",
                )
            ).all()
        )


def test_unit_reads_record_an_ended_window_so_both_states_agree(
    world: World, client: TestClient[Litestar], clock: ManualClock
) -> None:
    auction, urgent, _ = world.units
    sold(world, auction, timedelta(minutes=10))
    emergency(world, urgent, timedelta(minutes=20))
    clock.advance(timedelta(minutes=10))
    quiet = audit_entries(world)
    listed = client.get(f"/v1/facilities/{world.facility_id}/units", headers=manager(world))
    assert listed.status_code == 200, listed.text
    states = {u["id"]: (u["state"], u["effective_state"]) for u in listed.json()}
    assert states[auction] == ("pending_auction", "pending_auction")
    assert states[urgent] == ("pending_auction", "pending_auction")  # 10 minutes to go
    assert expiries(world, auction) == ["access_expired"]
    assert audit_entries(world) == quiet + 1
    client.get(f"/v1/units/{auction}", headers=manager(world))
    assert audit_entries(world) == quiet + 1  # nothing due: the read wrote nothing
    clock.advance(timedelta(minutes=10))
    got = client.get(f"/v1/units/{urgent}", headers=manager(world)).json()
    assert (got["state"], got["effective_state"], got["emergency_until"]) == (
        "occupied",
        "occupied",
        None,
    )
    assert got["history"][0]["event"] == "emergency_expired"
    assert got["history"][0]["actor"] == "system:clock"
    detail = client.get(f"/v1/units/{auction}", headers=manager(world)).json()
    assert [g["revoked_at"] is not None for g in detail["grants"]] == [True]


def test_portal_actions_act_on_the_state_the_expiry_leaves(
    world: World, client: TestClient[Litestar], clock: ManualClock
) -> None:
    """The issue: after the window, `auction-sale`, `restore` ... answered 409; after an
    emergency's end a new emergency was refused until someone restored the unit by hand."""
    auction, urgent, _ = world.units
    sold(world, auction, timedelta(minutes=10))
    emergency(world, urgent, timedelta(minutes=10))
    clock.advance(timedelta(minutes=10))
    now = clock.now()
    resold = client.post(
        f"/v1/units/{auction}/auction-sale",
        json={
            "reason": "second chance offer",
            "winner": {"name": "Runner Up", "email": "runner@bids.example"},
            "window_start": now.isoformat(),
            "window_end": (now + timedelta(days=1)).isoformat(),
        },
        headers=manager(world),
    )
    assert resold.status_code == 201, resold.text
    assert resold.json()["transition"]["from_state"] == "pending_auction"
    again = client.post(
        f"/v1/units/{urgent}/emergency",
        json={"reason": "locked in again", "identity_verification": "photo id", "minutes": 5},
        headers=manager(world),
    )
    assert again.status_code == 201, again.text
    assert again.json()["transition"]["from_state"] == "occupied"
    assert expiries(world, auction) == ["access_expired"]
    assert expiries(world, urgent) == ["emergency_expired"]


def test_a_door_decision_uses_the_effective_state_and_wakes_the_duty(
    world: World, client: TestClient[Litestar], clock: ManualClock
) -> None:
    urgent, other, _ = world.units
    emergency(world, urgent, timedelta(minutes=10))
    world.pms(other, E.MOVE_IN, tenant="b")
    alarm = world.rt.expiry_alarm
    tenant = bearer(tenant_of(world.rt, other), world.company_id, "tenant")
    their_lock = door_of(world.rt, other)
    opened = client.post(f"/v1/doors/{their_lock}/access-requests", json={}, headers=tenant)
    assert opened.json()["allowed"] is True
    assert alarm.wait(0) is False  # nothing due: nothing to wake for
    clock.advance(timedelta(minutes=10))
    tenant = bearer(tenant_of(world.rt, urgent), world.company_id, "tenant")
    lock = door_of(world.rt, urgent)
    opened = client.post(f"/v1/doors/{lock}/access-requests", json={}, headers=tenant)
    assert opened.status_code == 201, opened.text
    assert opened.json()["allowed"] is True  # the emergency is over: the tenant's unit again
    assert alarm.wait(0) is True
    assert expiries(world, urgent) == []  # the decision itself writes no expiry


def test_my_units_record_the_ended_emergency(
    world: World, client: TestClient[Litestar], clock: ManualClock
) -> None:
    urgent = world.units[0]
    emergency(world, urgent, timedelta(minutes=10))
    tenant = bearer(tenant_of(world.rt, urgent), world.company_id, "tenant")
    mine = client.get("/v1/me/units", headers=tenant).json()
    assert [(u["unit_id"], u["state"]) for u in mine] == [(urgent, "pending_auction")]
    clock.advance(timedelta(minutes=10))
    mine = client.get("/v1/me/units", headers=tenant).json()
    assert [u["state"] for u in mine] == ["occupied"]
    assert expiries(world, urgent) == ["emergency_expired"]


def _emergency(client: TestClient[Litestar], world: World, **end: Any) -> Any:
    body = {"reason": "phone locked inside", "identity_verification": "photo id", **end}
    return client.post(f"/v1/units/{world.units[0]}/emergency", json=body, headers=manager(world))


def test_an_emergency_may_end_at_a_stated_instant(
    world: World, client: TestClient[Litestar], clock: ManualClock
) -> None:
    world.pms(world.units[0], E.MOVE_IN)
    ends = clock.now() + timedelta(seconds=3)
    both = _emergency(client, world, minutes=5, ends_at=ends.isoformat())
    assert both.status_code == 400
    assert "give `minutes` or `ends_at`, not both" in both.text
    naive = _emergency(client, world, ends_at=ends.replace(tzinfo=None).isoformat())
    assert naive.status_code == 400
    too_long = _emergency(client, world, ends_at=(clock.now() + timedelta(hours=5)).isoformat())
    assert too_long.status_code == 409
    assert "the bound" in too_long.json()["detail"]
    past = _emergency(client, world, ends_at=(clock.now() - timedelta(seconds=1)).isoformat())
    assert past.status_code == 409
    local = ends.astimezone(ZoneInfo("America/Chicago"))
    made = _emergency(client, world, ends_at=local.isoformat())
    assert made.status_code == 201, made.text
    until = datetime.fromisoformat(made.json()["unit"]["emergency_until"])
    assert (until, until.utcoffset()) == (ends, timedelta(0))
