"""A small company built through the real provisioning functions, for tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from engine.domain import DoorKind, LifecycleEvent, Permission
from engine.runtime import Runtime
from engine.sites import (
    add_door,
    add_person,
    add_unit,
    assign_role,
    create_company,
    create_facility,
    create_role,
)
from engine.units import Applied, PmsEvent, PmsResult, PmsTenant, apply_pms_event

UNREACHABLE_GATEWAY = "http://127.0.0.1:9"
"""A gateway URL nothing listens on: remote actions through it end `gateway_down`."""


@dataclass
class World:
    """Ids of what `build_world` made."""

    rt: Runtime
    company_id: str
    facility_id: str
    gate_id: str
    units: list[str]
    manager_id: str
    people: dict[str, str] = field(default_factory=dict)
    seqs: dict[str, int] = field(default_factory=dict)

    @property
    def manager(self) -> str:
        """The manager as an actor string."""
        return f"person:{self.manager_id}"

    def tenant(self, key: str) -> PmsTenant:
        """PMS facts for tenant `key` (lease started a month ago)."""
        lease = (self.rt.clock.now() - timedelta(days=30)).date()
        return PmsTenant(f"T-{key}", f"Tenant {key}", lease, email=f"{key}@t.example", mobile=None)

    def pms(self, unit_id: str, event: LifecycleEvent, tenant: str | None = "a") -> PmsResult:
        """Apply the unit's next PMS event in its own transaction."""
        self.seqs[unit_id] = self.seqs.get(unit_id, 0) + 1
        ev = PmsEvent(unit_id, self.seqs[unit_id], event, self.tenant(tenant) if tenant else None)
        with self.rt.db.transaction() as s:
            return apply_pms_event(s, self.rt.lifecycle, ev)

    def remote_locks(self, gateway_url: str = UNREACHABLE_GATEWAY) -> dict[str, str]:
        """Give every door a registered Bluetooth lock behind one gateway at `gateway_url`
        (remote unlock needs both); door id → lock id."""
        import secrets
        import uuid

        from sqlmodel import select

        from engine.locks import register_gateway, register_lock
        from engine.persistence.tables import Door

        now = self.rt.clock.now()
        locks = {}
        with self.rt.db.transaction() as s:
            gateway = register_gateway(s, self.facility_id, "hub", gateway_url, now)
            for door in s.exec(select(Door).where(Door.facility_id == self.facility_id)).all():
                lock = register_lock(
                    s,
                    self.facility_id,
                    lock_id=str(uuid.uuid4()),
                    name=door.name,
                    public_key=secrets.token_hex(32),
                    address=None,
                    gateway_id=gateway.id,
                    now=now,
                )
                door.lock_ref = lock.id
                s.add(door)
                locks[door.id] = lock.id
        return locks

    def portal(self, unit_id: str, event: LifecycleEvent, **details: object) -> Applied:
        """Apply a portal event as the manager (who holds every permission)."""
        svc = self.rt.lifecycle
        with self.rt.db.transaction() as s:
            request = svc.request(
                event,
                actor=self.manager,
                permissions=frozenset(Permission),
                **details,  # type: ignore[arg-type]
            )
            return svc.apply(s, unit_id, request)


def build_world(rt: Runtime, units: int = 3, name: str = "Acme") -> World:
    """A company with one facility, a gate, `units` units and a manager."""
    now = rt.clock.now()
    with rt.db.transaction() as s:
        company = create_company(s, name, now)
        facility = create_facility(s, company.id, f"{name} Central", now)
        gate = add_door(s, facility.id, "Main gate", DoorKind.GATE)
        unit_ids = [add_unit(s, facility.id, f"U{i + 1:03d}", now).id for i in range(units)]
        role = create_role(s, company.id, "Manager", list(Permission))
        manager = add_person(s, f"{name} Manager", now, email=f"manager@{name.lower()}.example")
        assign_role(s, manager.id, role.id)
        return World(rt, company.id, facility.id, gate.id, unit_ids, manager.id)
