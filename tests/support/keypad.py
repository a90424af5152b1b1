"""A facility with keypad locks on a simulated lock service, and the reconciler for it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache

from sqlmodel import select

from adapters.lockservice.sim import SimulatedLockService
from engine.clock import ManualClock
from engine.codes import (
    AccessCode,
    GrantSpec,
    ReconcileConfig,
    Reconciler,
    RoundReport,
    create_grant,
)
from engine.domain import LifecycleEvent
from engine.persistence.tables import CodeGrant, Door, Facility, KeypadCode, KeyShare
from engine.policy import CompiledPolicy, compile_policy, default_policy_path, load_policy
from engine.runtime import Runtime
from engine.sites import add_person
from engine.units import PmsEvent, apply_pms_event
from tests.support.world import World, build_world

GATE = "kp-gate"


@cache
def shipped_policy() -> CompiledPolicy:
    """The shipped access policy, compiled once."""
    return compile_policy(load_policy(default_policy_path()))


@dataclass
class KeypadWorld:
    """`build_world` whose gate and unit locks are keypads of a simulated lock service."""

    world: World
    sim: SimulatedLockService
    reconciler: Reconciler
    unit_devices: list[str]

    @property
    def rt(self) -> Runtime:
        return self.world.rt

    def reconcile(self) -> RoundReport:
        """A round, and another at once when the first asked for it (collisions)."""
        report = self.reconciler.run_once()
        return self.reconciler.run_once() if report.again else report

    def codes(self, device: str) -> list[AccessCode]:
        """What the lock holds now."""
        return self.sim.snapshot()[device]

    def managed(self, device: str, *, removing: bool = True) -> dict[str, str]:
        """Person → number of unitgate's codes on the lock, as the lock holds them (those
        being removed too, unless `removing` is false)."""
        with self.rt.db.read() as s:
            rows = s.exec(select(KeypadCode).where(KeypadCode.device_id == device)).all()
        owner = {r.access_code_id: r.person_id for r in rows if r.access_code_id}
        return {
            owner[c.access_code_id]: c.code for c in self.codes(device) if c.access_code_id in owner
        }

    def move_in(
        self, unit: int, key: str, *, name: str | None = None, mobile: str | None = None
    ) -> str:
        """The PMS moves tenant `key` (named `name`, with `mobile`) into unit `unit`; their
        person id."""
        self.pms(unit, LifecycleEvent.MOVE_IN, key, name=name, mobile=mobile)
        return self.person_of(f"{key}@t.example")

    def pms(
        self,
        unit: int,
        event: LifecycleEvent,
        key: str = "a",
        *,
        name: str | None = None,
        mobile: str | None = None,
    ) -> None:
        """The unit's next PMS event for tenant `key`."""
        w = self.world
        unit_id = w.units[unit]
        w.seqs[unit_id] = w.seqs.get(unit_id, 0) + 1
        tenant = replace(
            w.tenant(key), name=name or f"Tenant {key}", mobile=mobile, rental_ref=f"R-{key}"
        )
        with self.rt.db.transaction() as s:
            apply_pms_event(s, self.rt.lifecycle, PmsEvent(unit_id, w.seqs[unit_id], event, tenant))

    def unit_door(self, unit: int) -> str:
        """The id of unit `unit`'s lock door."""
        with self.rt.db.read() as s:
            return s.exec(select(Door).where(Door.unit_id == self.world.units[unit])).one().id

    def grant(
        self,
        kind: str,
        starts_in: timedelta,
        lasts: timedelta,
        *,
        doors: tuple[str, ...] | None = None,
        before: int = 0,
        after: int = 0,
        name: str = "Vic Visitor",
        phone: str | None = "+1 555 222 333",
    ) -> CodeGrant:
        """The manager gives a grant for a new holder without an account (on the gate
        unless `doors`), starting `starts_in` from now; the grant."""
        now = self.rt.clock.now()
        spec = GrantSpec(
            kind,
            doors or (self.world.gate_id,),
            now + starts_in,
            now + starts_in + lasts,
            before,
            after,
            holder_name=name,
            holder_phone=phone,
        )
        with self.rt.db.transaction() as s:
            facility = s.get(Facility, self.world.facility_id)
            assert facility is not None
            return create_grant(s, self.rt.audit, facility, spec, self.world.manager, now)

    def person_of(self, email: str) -> str:
        from engine.persistence.tables import Person

        with self.rt.db.read() as s:
            person = s.exec(select(Person).where(Person.email == email)).one()
        return person.id

    def share(self, unit: int, tenant_rental_person: str, name: str) -> str:
        """The unit's tenant shares a key with a new person `name`; their id."""
        from engine.persistence.tables import Rental

        now = self.rt.clock.now()
        with self.rt.db.transaction() as s:
            rental = s.exec(
                select(Rental).where(
                    Rental.unit_id == self.world.units[unit],
                    Rental.person_id == tenant_rental_person,
                )
            ).one()
            grantee = add_person(s, name, now, email=f"{name.lower().replace(' ', '.')}@s.example")
            s.add(
                KeyShare(
                    unit_id=rental.unit_id,
                    rental_id=rental.id,
                    grantee_id=grantee.id,
                    created_at=now,
                )
            )
            return grantee.id


def keypad_world(
    rt: Runtime,
    *,
    gate_model: str = "generic_keypad",
    unit_model: str | tuple[str, ...] = "generic_keypad",
    units: int = 3,
    config: ReconcileConfig | None = None,
) -> KeypadWorld:
    """A world whose gate is keypad `kp-gate` and unit `i`'s lock keypad `kp-u<i>` (of
    `unit_model`, or of the `i`-th of several)."""
    world = build_world(rt, units=units)
    sim = SimulatedLockService(rt.clock, seed=1)
    sim.add_device(GATE, gate_model)
    devices = [f"kp-u{i}" for i in range(units)]
    with rt.db.transaction() as s:
        gate = s.get(Door, world.gate_id)
        assert gate is not None
        gate.lock_ref = GATE
        s.add(gate)
        models = (unit_model,) * units if isinstance(unit_model, str) else unit_model
        for unit_id, device, model in zip(world.units, devices, models, strict=True):
            door = s.exec(select(Door).where(Door.unit_id == unit_id)).one()
            door.lock_ref = device
            s.add(door)
            sim.add_device(device, model)
    reconciler = Reconciler(
        rt.db,
        sim,
        rt.access,
        shipped_policy,
        rt.clock,
        config or ReconcileConfig(seed=7, retry_gap=timedelta(hours=1)),
        rt.audit,
    )
    return KeypadWorld(world, sim, reconciler, devices)


def advance(clock: ManualClock, **delta: float) -> None:
    """Move the test clock."""
    clock.advance(timedelta(**delta))
