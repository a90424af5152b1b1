"""Invariants 1–10 over the HTTP API, checked after every step of random scenarios.

PMS events (the sync path), portal actions, key shares and revocations, clock advances, and
access requests by every kind of principal run against the real app on SQLite and on
PostgreSQL. Every access decision is checked against an independent oracle: an allowed
request must be justified by DESIGN's rules read from the stored state (invariants 1–9),
and a current tenant inside access hours must get in. After every step the audit chain
verifies, every decision is logged, and every employee access to a rented unit is in that
tenant's activity feed (invariant 10). Scheduled activations are released as the expiry
duty would after each clock advance, and no activation message ever predates its rental's
facility-local lease start (invariant 7).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from litestar.testing import TestClient
from sqlalchemy import text
from sqlmodel import SQLModel, col, func, select

from engine.access import within_hours
from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import LifecycleEvent, Permission, UnitState
from engine.notify._tenant import local_date
from engine.persistence.tables import (
    AccessDecisionRecord,
    Activation,
    AuctionGrant,
    Door,
    Facility,
    KeyShare,
    OutboxMessage,
    Person,
    Rental,
    Unit,
)
from engine.runtime import Runtime
from engine.sites import add_person, assign_role, create_role
from engine.units import PmsEvent, PmsTenant, apply_pms_event, effective_state, release_due
from tests.conftest import AUDIT_KEY
from tests.invariants.test_lifecycle_streams import migrated_copy
from tests.support.api import app_for, bearer
from tests.support.world import World, build_world

E = LifecycleEvent
S = UnitState
TENANTS = ("t1", "t2", "late")
PMS_EVENTS = (E.MOVE_IN, E.DELINQUENT_GATE, E.DELINQUENT_OVER, E.CURRENT, E.VACATE)
PRINCIPALS = ("t1", "t2", "late", "friend", "winner", "manager", "clerk", "outsider")


@dataclass
class Result:
    person: str
    door: str
    allowed: bool
    employee: bool


class AccessApi(RuleBasedStateMachine):
    """One company A (3 units, gate) with a manager and a clerk; company B's manager outside."""

    url_factory: Any = None

    def __init__(self) -> None:
        super().__init__()
        url = type(self).url_factory()
        self.clock = ManualClock()
        self.rt = Runtime.create(url, AUDIT_KEY, clock=self.clock)
        self.a: World = build_world(self.rt, units=3, name="Acme")
        self.b: World = build_world(self.rt, units=1, name="Bolt")
        self.a.remote_locks()
        self.b.remote_locks()
        with self.rt.db.transaction() as s:
            role = create_role(
                s, self.a.company_id, "Clerk", [Permission.FACILITY_VIEW, Permission.ENTRY_OPEN]
            )
            clerk = add_person(s, "Clara Clerk", self.clock.now(), email="clerk@acme.example").id
            assign_role(s, clerk, role.id)
        self.people: dict[str, str] = {"manager": self.a.manager_id, "clerk": clerk}
        self.client = TestClient(app_for(self.rt))
        self.client.__enter__()
        self.seq: dict[str, int] = {}
        self.decisions = 0
        self.employee_accesses: list[tuple[int, str]] = []  # (decision id, unit id)

    def teardown(self) -> None:
        self.client.__exit__(None, None, None)
        self.rt.db.dispose()

    # ---- helpers -------------------------------------------------------------------

    def headers(self, who: str) -> dict[str, str] | None:
        if who == "outsider":
            return bearer(self.b.manager_id, self.a.company_id, "employee")
        person = self.people.get(who)
        if person is None:
            return None
        role = "employee" if who in ("manager", "clerk") else "tenant"
        return bearer(person, self.a.company_id, role)

    def door(self, index: int) -> str:
        if index == 3:
            return self.a.gate_id
        with self.rt.db.read() as s:
            return s.exec(select(Door.id).where(Door.unit_id == self.a.units[index])).one()

    def pms_tenant(self, key: str) -> PmsTenant:
        days = -10 if key == "late" else 30  # `late` moves in 10 days before the lease starts
        lease = (self.clock.now() - timedelta(days=days)).date()
        return PmsTenant(f"T-{key}", f"Tenant {key}", lease, email=f"{key}@t.example")

    # ---- rules ---------------------------------------------------------------------

    @rule(
        unit=st.integers(0, 2), event=st.sampled_from(PMS_EVENTS), tenant=st.sampled_from(TENANTS)
    )
    def pms_event(self, unit: int, event: LifecycleEvent, tenant: str) -> None:
        unit_id = self.a.units[unit]
        self.seq[unit_id] = self.seq.get(unit_id, 0) + 1
        ev = PmsEvent(unit_id, self.seq[unit_id], event, self.pms_tenant(tenant))
        with self.rt.db.transaction() as s:
            apply_pms_event(s, self.rt.lifecycle, ev)
            person = s.exec(select(Person.id).where(Person.email == f"{tenant}@t.example")).first()
        if person is not None:
            self.people[tenant] = person

    @rule(
        unit=st.integers(0, 2),
        action=st.sampled_from(
            ["pending-auction", "emergency", "auction-sale", "cleanout", "restore"]
        ),
        hours=st.integers(1, 30),
    )
    def portal(self, unit: int, action: str, hours: int) -> None:
        now = self.clock.now()
        window = {
            "window_start": now.isoformat(),
            "window_end": (now + timedelta(hours=hours)).isoformat(),
        }
        body: dict[str, object] = {"reason": "scenario step"}
        if action == "emergency":
            body |= {"identity_verification": "licence checked", "minutes": hours * 10}
        elif action == "auction-sale":
            body |= {"winner": {"name": "Wendy", "email": "winner@bids.example"}, **window}
        elif action == "cleanout":
            body |= {"employee_id": self.people["clerk"], **window}
        response = self.client.post(
            f"/v1/units/{self.a.units[unit]}/{action}", json=body, headers=self.headers("manager")
        )
        assert response.status_code in (201, 409), response.text
        with self.rt.db.read() as s:
            winner = s.exec(select(Person.id).where(Person.email == "winner@bids.example")).first()
        if winner is not None:
            self.people["winner"] = winner

    @rule(unit=st.integers(0, 2), expires_hours=st.none() | st.integers(1, 48))
    def share(self, unit: int, expires_hours: int | None) -> None:
        with self.rt.db.read() as s:
            rental = s.exec(
                select(Rental).where(
                    Rental.unit_id == self.a.units[unit], col(Rental.ended_at).is_(None)
                )
            ).first()
        if rental is None:
            return
        tenant = next((k for k, v in self.people.items() if v == rental.person_id), None)
        if tenant is None:
            return
        body: dict[str, object] = {"email": "friend@mail.example", "name": "Friend"}
        if expires_hours is not None:
            body["expires_at"] = (self.clock.now() + timedelta(hours=expires_hours)).isoformat()
        response = self.client.post(
            f"/v1/units/{self.a.units[unit]}/shares", json=body, headers=self.headers(tenant)
        )
        assert response.status_code == 201, response.text
        self.people["friend"] = response.json()["grantee_id"]

    @rule()
    def revoke_latest_share(self) -> None:
        with self.rt.db.read() as s:
            share = s.exec(
                select(KeyShare)
                .where(col(KeyShare.revoked_at).is_(None))
                .order_by(col(KeyShare.created_at).desc())
            ).first()
            rental = s.get(Rental, share.rental_id) if share else None
        if share is None or rental is None:
            return
        tenant = next((k for k, v in self.people.items() if v == rental.person_id), None)
        if tenant is None:
            return
        response = self.client.delete(f"/v1/shares/{share.id}", headers=self.headers(tenant))
        assert response.status_code == 200, response.text

    @rule(minutes=st.sampled_from([10, 90, 6 * 60, 24 * 60, 6 * 24 * 60]))
    def advance_clock(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
        with self.rt.db.transaction() as s:  # what the expiry duty's round does
            release_due(s, self.rt.lifecycle.activation, self.clock.now())

    @rule(
        attempts=st.lists(
            st.tuples(st.sampled_from(PRINCIPALS), st.integers(0, 3), st.booleans(), st.booleans()),
            min_size=1,
            max_size=6,
        )
    )
    def access_requests(self, attempts: list[tuple[str, int, bool, bool]]) -> None:
        """Several people try doors (keypad or app; employees sometimes remotely)."""
        for who, door, keypad, remote in attempts:
            self.access(who, door, keypad, remote)

    def access(self, who: str, door: int, keypad: bool, remote: bool) -> None:
        headers = self.headers(who)
        if headers is None:
            return
        door_id = self.door(door)
        employee = who in ("manager", "clerk", "outsider")
        if remote and employee:
            response = self.client.post(
                f"/v1/doors/{door_id}/remote-unlocks", json={"reason": "scenario"}, headers=headers
            )
            channel = "remote"
        else:
            channel = "keypad" if keypad else "phone_relay"
            response = self.client.post(
                f"/v1/doors/{door_id}/access-requests", json={"channel": channel}, headers=headers
            )
        assert response.status_code == 201, response.text
        self.decisions += 1
        body = response.json()
        person = self.b.manager_id if who == "outsider" else self.people[who]
        justified, must = self.oracle(person, door_id, channel, employee)
        if body["allowed"]:
            assert justified, f"{who} at door {door} ({channel}) was let in: {body}"
        if must:
            assert body["allowed"], f"{who} at door {door} ({channel}) was refused: {body}"
        if body["allowed"] and employee and door < 3:
            self.employee_accesses.append((body["decision_id"], self.a.units[door]))

    @rule(who=st.sampled_from((*TENANTS, "friend", "winner")), keypad=st.booleans())
    def access_own_unit(self, who: str, keypad: bool) -> None:
        """A person at the lock of a unit they rent, hold a key to, or won (if any)."""
        person = self.people.get(who)
        if person is None:
            return
        with self.rt.db.read() as s:
            related = set(
                s.exec(select(Rental.unit_id).where(Rental.person_id == person)).all()
            ) | set(s.exec(select(KeyShare.unit_id).where(KeyShare.grantee_id == person)).all())
            related |= set(
                s.exec(select(AuctionGrant.unit_id).where(AuctionGrant.person_id == person)).all()
            )
        for index, unit_id in enumerate(self.a.units):
            if unit_id in related:
                self.access(who, index, keypad, remote=False)
                return

    # ---- the oracle ----------------------------------------------------------------

    def oracle(self, person: str, door_id: str, channel: str, employee: bool) -> tuple[bool, bool]:
        """(may this be allowed, must it be allowed) by DESIGN's rules on the stored state."""
        now = self.clock.now()
        with self.rt.db.read() as s:
            door = s.get(Door, door_id)
            assert door is not None
            facility = s.get(Facility, door.facility_id)
            assert facility is not None
            hours = within_hours(
                now, facility.timezone, facility.access_opens, facility.access_closes
            )
            perms: set[Permission] = set()
            if employee and person == self.a.manager_id:
                perms = set(Permission)
            elif employee and person == self.people["clerk"]:
                perms = {Permission.FACILITY_VIEW, Permission.ENTRY_OPEN}
            if not hours:  # invariant 8: nobody outside access hours
                return False, False
            if channel == "remote" and Permission.UNITS_REMOTE_UNLOCK not in perms:
                return False, False
            units = {
                u.id: (u, effective_state(u, now))
                for u in s.exec(select(Unit).where(Unit.facility_id == facility.id)).all()
            }
            rentals = {
                r.unit_id: r
                for r in s.exec(select(Rental).where(col(Rental.ended_at).is_(None))).all()
            }
            today = now.date()

            def tenant_ok(unit_id: str, as_person: str, via_share: bool) -> bool:
                rental = rentals.get(unit_id)
                if rental is None or rental.lease_start > today:  # invariant 7
                    return False
                # Remote: only an employee holding a share, at that unit's lock (seed 001).
                if channel == "remote" and not (via_share and employee and door.unit_id):
                    return False
                if via_share:
                    share = s.exec(
                        select(KeyShare)
                        .where(KeyShare.rental_id == rental.id, KeyShare.grantee_id == as_person)
                        .order_by(col(KeyShare.created_at).desc())
                    ).first()
                    live = (
                        share is not None
                        and share.revoked_at is None
                        and (share.expires_at is None or share.expires_at > now)
                    )
                    if not live:  # invariant 8
                        return False
                elif rental.person_id != as_person:
                    return False
                others = [
                    units[r.unit_id][1]
                    for r in rentals.values()
                    if r.person_id == rental.person_id
                    and r.unit_id != unit_id
                    and r.unit_id in units
                ]
                # Invariant 2b: another delinquent unit closes the entry points, not this lock.
                at_entry = door.unit_id is None
                if at_entry and any(st_ in (S.GATELOCK, S.OVERLOCK) for st_ in others):
                    return False
                return units[unit_id][1] is S.OCCUPIED  # invariants 1–3

            def grant_ok(unit_id: str) -> bool:
                grants = s.exec(
                    select(AuctionGrant).where(
                        AuctionGrant.unit_id == unit_id,
                        AuctionGrant.person_id == person,
                        col(AuctionGrant.revoked_at).is_(None),
                    )
                ).all()
                live = any(g.window_start <= now < g.window_end for g in grants)
                return (
                    live and units[unit_id][1] is S.AUCTION and (channel != "remote" or bool(perms))
                )

            if door.unit_id is not None:
                state = units[door.unit_id][1]
                may = (
                    (state is S.AVAILABLE and Permission.UNITS_OPEN_AVAILABLE in perms)  # inv 5
                    or (
                        state in (S.PENDING_AUCTION, S.AUCTION)
                        and Permission.UNITS_AUCTION_ACCESS in perms
                    )
                    or tenant_ok(door.unit_id, person, via_share=False)
                    or tenant_ok(door.unit_id, person, via_share=True)  # inv 6: shares only
                    or grant_ok(door.unit_id)  # inv 4
                )
                rental = rentals.get(door.unit_id)
                must = (
                    not employee
                    and channel != "remote"
                    and rental is not None
                    and rental.person_id == person
                    and tenant_ok(door.unit_id, person, via_share=False)
                )
                return may, must
            # An entry point.
            if Permission.ENTRY_OPEN in perms:
                return True, channel != "remote" or Permission.UNITS_REMOTE_UNLOCK in perms
            related = [
                uid
                for uid in units
                if tenant_ok(uid, person, False) or tenant_ok(uid, person, True) or grant_ok(uid)
            ]
            return bool(related), False

    # ---- invariants after every step --------------------------------------------------

    @invariant()
    def every_decision_logged_and_chain_verifies(self) -> None:
        with self.rt.db.read() as s:
            count = s.exec(select(func.count()).select_from(AccessDecisionRecord)).one()
            assert count == self.decisions
            assert verify_chain(s, self.rt.audit).ok

    @invariant()
    def no_activation_before_the_lease_start(self) -> None:
        """Invariant 7: an activation message is written on or after the facility-local
        lease start its activation was due on; a scheduled one has no message."""
        with self.rt.db.read() as s:
            rows = s.exec(
                select(Activation, Facility.timezone).join(
                    Facility, col(Facility.id) == col(Activation.facility_id)
                )
            ).all()
            for activation, zone in rows:
                sent = s.exec(
                    select(OutboxMessage.created_at).where(
                        col(OutboxMessage.idempotency_key).startswith(
                            f"activation/{activation.id}/"
                        )
                    )
                ).all()
                if activation.status == "scheduled":
                    assert sent == []
                assert all(local_date(at, zone) >= activation.due_on for at in sent)

    @invariant()
    def employee_accesses_reach_the_tenants_feed(self) -> None:
        """Invariant 10: every employee access to a rented unit is in its tenant's feed."""
        for decision_id, unit_id in self.employee_accesses[-3:]:
            with self.rt.db.read() as s:
                record = s.get(AccessDecisionRecord, decision_id)
                assert record is not None
                rental = s.exec(
                    select(Rental).where(
                        Rental.unit_id == unit_id,
                        Rental.started_at <= record.at,
                        (col(Rental.ended_at).is_(None)) | (col(Rental.ended_at) >= record.at),
                    )
                ).first()
            if rental is None:
                continue  # the unit was not rented then
            feed = self.client.get(
                "/v1/me/activity",
                params={"limit": 1000},
                headers=bearer(rental.person_id, self.a.company_id, "tenant"),
            ).json()
            assert any(
                i["kind"] == "access"
                and i["actor_id"] == record.person_id
                and i["at"].startswith(record.at.isoformat()[:19])
                for i in feed
            ), f"employee access {decision_id} missing from the tenant's feed"


def _sqlite_urls(directory: Path) -> Any:
    counter = iter(range(1_000_000))

    def make() -> str:
        d = directory / f"run{next(counter)}"
        d.mkdir()
        return migrated_copy(d)

    return make


def _run(max_examples: int, steps: int) -> None:
    run_state_machine_as_test(
        AccessApi,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_api_invariants_on_sqlite() -> None:
    AccessApi.url_factory = _sqlite_urls(Path(tempfile.mkdtemp(prefix="unitgate-api-")))
    _run(max_examples=25, steps=30)


@pytest.mark.pg
def test_api_invariants_on_postgresql(pg_url: str) -> None:
    def make() -> str:
        from engine.persistence import Database

        db = Database(pg_url)
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.dispose()
        return pg_url

    AccessApi.url_factory = make
    _run(max_examples=8, steps=25)
