"""Loading the demo company through the real services, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, func, select

from api.demo._data import EMPLOYEES, FACILITIES, ROLES, SHARES, TENANTS, DemoUnit
from engine.domain import LifecycleEvent, Permission
from engine.persistence import stable_id
from engine.persistence.tables import Company, Rental, TransitionRecord, Unit
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
from engine.units import PmsEvent, PmsTenant, active_rental, apply_pms_event, share_key

__all__ = ["DEMO_COMPANY_ID", "DemoLoad", "load_demo"]

DEMO_COMPANY_ID = stable_id("demo", "company")
_PMS_STEPS = {
    "occupied": LifecycleEvent.CURRENT,
    "gatelock": LifecycleEvent.DELINQUENT_GATE,
    "overlock": LifecycleEvent.DELINQUENT_OVER,
}


@dataclass(frozen=True)
class DemoLoad:
    """What `load_demo` did."""

    created: bool
    facilities: int
    units: int
    transitions: int


def load_demo(runtime: Runtime) -> DemoLoad:
    """Create the demo company in one transaction; do nothing if it already exists."""
    with runtime.db.transaction() as session:
        if session.get(Company, DEMO_COMPANY_ID) is None:
            _Loader(runtime, session).load()
            created = True
        else:
            created = False
        units = session.exec(select(func.count()).select_from(Unit)).one()
        transitions = session.exec(select(func.count()).select_from(TransitionRecord)).one()
    return DemoLoad(created, len(FACILITIES), units, transitions)


class _Loader:
    def __init__(self, runtime: Runtime, session: Session) -> None:
        self.rt = runtime
        self.session = session
        self.now = runtime.clock.now()
        self.people: dict[str, str] = {}
        self.permissions: dict[str, frozenset[Permission]] = {}

    def load(self) -> None:
        s, now = self.session, self.now
        create_company(s, "Acme Self Storage", now, id=DEMO_COMPANY_ID)
        roles = {
            name: create_role(s, DEMO_COMPANY_ID, name, perms, id=stable_id("demo", "role", name))
            for name, perms in ROLES.items()
        }
        for fac in FACILITIES:
            create_facility(
                s,
                DEMO_COMPANY_ID,
                fac.name,
                now,
                id=self._fid(fac.key),
                timezone=fac.timezone,
                opens=fac.opens,
                closes=fac.closes,
                pms_ref=f"demo-{fac.key}",
            )
        s.flush()
        for key, (name, email, mobile, role, facility) in EMPLOYEES.items():
            pid = stable_id("demo", "person", key)
            add_person(s, name, now, id=pid, email=email, mobile=mobile)
            s.flush()
            fid = self._fid(facility) if facility else None
            assign_role(s, pid, roles[role].id, facility_id=fid, id=stable_id("demo", "ra", key))
            self.people[key] = pid
            self.permissions[key] = frozenset(ROLES[role])
        for key in ("winner", "friend"):
            person_name, person_email, person_mobile = TENANTS[key]
            self.people[key] = add_person(
                s,
                person_name,
                now,
                id=stable_id("demo", "person", key),
                email=person_email,
                mobile=person_mobile,
            ).id
        s.flush()
        for fac in FACILITIES:
            fid = self._fid(fac.key)
            for door_name, kind in fac.doors:
                add_door(s, fid, door_name, kind, id=stable_id("demo", "door", fac.key, door_name))
            for demo_unit in fac.units:
                self._unit(fac.key, demo_unit)
        for fac_key, number, grantee, days in SHARES:
            self._share(fac_key, number, grantee, days)

    def _fid(self, key: str) -> str:
        return stable_id("demo", "facility", key)

    def _unit(self, fac_key: str, spec: DemoUnit) -> None:
        unit = add_unit(
            self.session,
            self._fid(fac_key),
            spec.number,
            self.now,
            id=stable_id("demo", "unit", fac_key, spec.number),
            pms_ref=f"{fac_key}-{spec.number}",
            lock_ref=f"demo-lock-{fac_key}-{spec.number}",
        )
        if spec.tenant is None:
            return
        name, email, mobile = TENANTS[spec.tenant]
        tenant = PmsTenant(
            tenant_ref=f"demo-{spec.tenant}",
            name=name,
            lease_start=(self.now + timedelta(days=spec.lease_starts_in_days)).date(),
            email=email,
            mobile=mobile,
        )
        seq = 1
        apply_pms_event(
            self.session, self.rt.lifecycle, PmsEvent(unit.id, seq, LifecycleEvent.MOVE_IN, tenant)
        )
        for step in spec.story:
            if step in _PMS_STEPS:
                seq += 1
                event = PmsEvent(unit.id, seq, _PMS_STEPS[step], tenant)
                apply_pms_event(self.session, self.rt.lifecycle, event)
            else:
                self._portal(unit.id, step)

    def _portal(self, unit_id: str, step: str) -> None:
        svc, now = self.rt.lifecycle, self.now
        clerk, manager = "alex", "maria"
        if step == "pending_auction":
            request = svc.request(
                LifecycleEvent.MARK_PENDING_AUCTION,
                actor=f"person:{self.people[clerk]}",
                permissions=self.permissions[clerk],
                reason="lien sale scheduled after 60 days overlocked",
            )
        elif step in ("auction_sale", "cleanout"):
            event, grantee = (
                (LifecycleEvent.RECORD_AUCTION_SALE, "winner")
                if step == "auction_sale"
                else (LifecycleEvent.ASSIGN_CLEANOUT_ACCESS, "sam")
            )
            request = svc.request(
                event,
                actor=f"person:{self.people[clerk]}",
                permissions=self.permissions[clerk],
                grantee=self.people[grantee],
                window_start=now - timedelta(hours=1),
                window_end=now + timedelta(days=6),
                reason="online auction lot",
            )
        elif step == "emergency":
            request = svc.request(
                LifecycleEvent.MARK_PENDING_AUCTION,
                actor=f"person:{self.people[manager]}",
                permissions=self.permissions[manager],
                reason="tenant locked their phone in the unit; identity checked with photo ID",
                expires_at=now + timedelta(hours=2),
            )
        else:
            raise ValueError(f"unknown demo step `{step}`")
        svc.apply(self.session, unit_id, request)

    def _share(self, fac_key: str, number: str, grantee: str, days: int | None) -> None:
        unit_id = stable_id("demo", "unit", fac_key, number)
        rental = active_rental(self.session, unit_id)
        assert isinstance(rental, Rental), f"demo unit {number} has no tenant to share"
        share_key(
            self.session,
            self.rt.audit,
            rental=rental,
            grantee_id=self.people.get(grantee) or self._tenant_person(grantee),
            now=self.now,
            expires_at=None if days is None else self.now + timedelta(days=days),
        )

    def _tenant_person(self, key: str) -> str:
        email = TENANTS[key][1]
        rental = self.session.exec(select(Rental).where(Rental.email == email)).first()
        assert rental is not None, f"demo tenant {key} has no rental"
        return rental.person_id
