"""Loading the demo through the real services: site files applied, then each unit's story.

Every run applies the site files (so a store loaded by an older version gains what they
add: a second run changes nothing); a company's stories play only when the run creates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, func, select

from api.demo._data import COMPANIES, SHARES, TENANTS, DemoCompany, DemoUnit
from api.demo._locks import register_demo_locks
from api.locks import HardwareSigner
from engine.access import permissions_anywhere
from engine.domain import LifecycleEvent, Permission
from engine.onboarding import EditContext, apply_site, read_site_file
from engine.persistence import stable_id
from engine.persistence.tables import Company, Facility, Rental, TransitionRecord, Unit
from engine.runtime import Runtime
from engine.sites import add_person, find_person
from engine.units import PmsEvent, PmsTenant, active_rental, apply_pms_event, share_key

__all__ = ["DEMO_COMPANY_ID", "DemoLoad", "load_demo"]

DEMO_COMPANY_ID = COMPANIES[0].id
"""Acme Self Storage."""
_PMS_STEPS = {
    "occupied": LifecycleEvent.CURRENT,
    "gatelock": LifecycleEvent.DELINQUENT_GATE,
    "overlock": LifecycleEvent.DELINQUENT_OVER,
}
_STAFF = {"clerk": "alex@acme-storage.example", "manager": "maria@acme-storage.example"}
_CLEANOUT = "sam@acme-storage.example"


@dataclass(frozen=True)
class DemoLoad:
    """What `load_demo` did."""

    created: bool
    """A demo company was made (and its stories played)."""
    updates: tuple[str, ...]
    """What applying the site files changed in demo companies that existed already (a store
    loaded by an older version)."""
    companies: int
    facilities: int
    units: int
    transitions: int


def load_demo(runtime: Runtime, gateway_url: str = "http://127.0.0.1:8091") -> DemoLoad:
    """Apply the demo's site files, register the simulated locks of its units behind the
    gateway at `gateway_url`, and play the stories of new companies, in one transaction."""
    updates: list[str] = []
    created = False
    with runtime.db.transaction() as session:
        for company in COMPANIES:
            new = session.get(Company, company.id) is None
            ctx = EditContext(session, runtime.audit, runtime.clock.now(), "demo")
            located, spec = read_site_file(
                company.site_file.read_text(encoding="utf-8"), company.site_file.name
            )
            apply_site(ctx, located, spec)
            for facility in session.exec(
                select(Facility).where(Facility.company_id == company.id)
            ).all():
                register_demo_locks(
                    session, facility, gateway_url, HardwareSigner().public_of, ctx.now
                )
            if not new:
                updates += [c.text for c in ctx.changes]
            if new:
                _Stories(runtime, session, company).play()
                created = True
        companies = session.exec(
            select(func.count())
            .select_from(Company)
            .where(
                Company.id.in_([c.id for c in COMPANIES])  # type: ignore[attr-defined]
            )
        ).one()
        facilities = session.exec(select(func.count()).select_from(Facility)).one()
        units = session.exec(select(func.count()).select_from(Unit)).one()
        transitions = session.exec(select(func.count()).select_from(TransitionRecord)).one()
    return DemoLoad(created, tuple(updates), companies, facilities, units, transitions)


class _Stories:
    """Each unit's story through the PMS and the portal, as the demo's people live it."""

    def __init__(self, runtime: Runtime, session: Session, company: DemoCompany) -> None:
        self.rt = runtime
        self.session = session
        self.company = company
        self.now = runtime.clock.now()

    def play(self) -> None:
        if self.company.id == DEMO_COMPANY_ID:
            for key in ("winner", "friend"):
                name, email, mobile = TENANTS[key]
                if find_person(self.session, email=email) is None:
                    add_person(
                        self.session,
                        name,
                        self.now,
                        id=stable_id("demo", "person", key),
                        email=email,
                        mobile=mobile,
                    )
        for fac in self.company.facilities:
            for demo_unit in fac.units:
                self._unit(fac.key, demo_unit)
        for fac_key, number, grantee, days in SHARES:
            if any(f.key == fac_key for f in self.company.facilities):
                self._share(fac_key, number, grantee, days)

    def _unit_id(self, fac_key: str, number: str) -> str:
        unit_id = self.session.exec(
            select(Unit.id)
            .join(Facility, Facility.id == Unit.facility_id)  # type: ignore[arg-type]
            .where(
                Facility.company_id == self.company.id,
                Facility.key == fac_key,
                Unit.number == number,
            )
        ).first()
        assert unit_id is not None, f"demo unit {fac_key}/{number} is not in the site file"
        return unit_id

    def _person(self, email: str) -> str:
        person = find_person(self.session, email=email)
        assert person is not None, f"demo person {email} is not in the site file"
        return person.id

    def _staff(self, who: str) -> tuple[str, frozenset[Permission]]:
        person = self._person(_STAFF[who])
        return f"person:{person}", permissions_anywhere(self.session, person, self.company.id)

    def _unit(self, fac_key: str, spec: DemoUnit) -> None:
        if spec.tenant is None:
            return
        unit_id = self._unit_id(fac_key, spec.number)
        name, email, mobile = TENANTS[spec.tenant]
        tenant = PmsTenant(
            tenant_ref=f"{self.company.tenant_prefix}-{spec.tenant}",
            name=name,
            lease_start=(self.now + timedelta(days=spec.lease_starts_in_days)).date(),
            email=email,
            mobile=mobile,
        )
        seq = 1
        lifecycle = self.rt.lifecycle
        apply_pms_event(
            self.session, lifecycle, PmsEvent(unit_id, seq, LifecycleEvent.MOVE_IN, tenant)
        )
        for step in spec.story:
            if step in _PMS_STEPS:
                seq += 1
                event = PmsEvent(unit_id, seq, _PMS_STEPS[step], tenant)
                apply_pms_event(self.session, lifecycle, event)
            else:
                self._portal(unit_id, step)

    def _portal(self, unit_id: str, step: str) -> None:
        svc, now = self.rt.lifecycle, self.now
        if step == "pending_auction":
            actor, held = self._staff("clerk")
            request = svc.request(
                LifecycleEvent.MARK_PENDING_AUCTION,
                actor=actor,
                permissions=held,
                reason="lien sale scheduled after 60 days overlocked",
            )
        elif step in ("auction_sale", "cleanout"):
            actor, held = self._staff("clerk")
            event, grantee = (
                (LifecycleEvent.RECORD_AUCTION_SALE, self._person(TENANTS["winner"][1] or ""))
                if step == "auction_sale"
                else (LifecycleEvent.ASSIGN_CLEANOUT_ACCESS, self._person(_CLEANOUT))
            )
            request = svc.request(
                event,
                actor=actor,
                permissions=held,
                grantee=grantee,
                window_start=now - timedelta(hours=1),
                window_end=now + timedelta(days=6),
                reason="online auction lot",
            )
        elif step == "emergency":
            actor, held = self._staff("manager")
            request = svc.request(
                LifecycleEvent.MARK_PENDING_AUCTION,
                actor=actor,
                permissions=held,
                reason="tenant locked their phone in the unit; identity checked with photo ID",
                expires_at=now + timedelta(hours=2),
            )
        else:
            raise ValueError(f"unknown demo step `{step}`")
        svc.apply(self.session, unit_id, request)

    def _share(self, fac_key: str, number: str, grantee: str, days: int | None) -> None:
        rental = active_rental(self.session, self._unit_id(fac_key, number))
        assert isinstance(rental, Rental), f"demo unit {number} has no tenant to share"
        name, email, _ = TENANTS[grantee]
        share_key(
            self.session,
            self.rt.audit,
            rental=rental,
            grantee_id=self._person(email or ""),
            now=self.now,
            expires_at=None if days is None else self.now + timedelta(days=days),
            label=name,
        )
