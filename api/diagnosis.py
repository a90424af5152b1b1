"""A tenant's diagnosis as the route, the office page and the CLI ask for it."""

from __future__ import annotations

from sqlmodel import Session, col, select

from engine.access import Caller, permissions_at
from engine.diagnosis import Diagnosis, diagnose, find_tenant
from engine.domain import Permission
from engine.errors import NotFoundError, PermissionDeniedError
from engine.persistence.tables import Facility
from engine.policy import CompiledPolicy
from engine.runtime import Runtime

__all__ = ["employee_diagnosis", "facility_by_ref", "tenant_diagnosis"]


def tenant_diagnosis(
    runtime: Runtime,
    policy: CompiledPolicy,
    company_id: str,
    tenant: str,
    facility_id: str | None = None,
    caller: Caller | None = None,
) -> Diagnosis:
    """The diagnosis of `tenant` (person id, email, mobile or PMS tenant ref) in
    `company_id`; with `caller`, only at facilities where they hold `facility.view`."""
    now = runtime.clock.now()
    with runtime.db.read() as s:
        person = find_tenant(s, company_id, tenant)

        def visible(f: Facility) -> bool:
            if caller is None:
                return True
            held = permissions_at(s, caller.person_id, f.id, f.company_id)
            return Permission.FACILITY_VIEW in held

        return diagnose(
            s,
            runtime.access,
            policy,
            person,
            company_id,
            now,
            facility_id=facility_id,
            visible=visible,
        )


def employee_diagnosis(
    runtime: Runtime,
    policy: CompiledPolicy,
    caller: Caller,
    tenant: str,
    facility_id: str | None = None,
) -> Diagnosis:
    """`tenant_diagnosis` for an employee of the company: 403 without `facility.view`
    anywhere in it, 404 for a tenant they cannot see."""
    if not caller.is_employee:
        raise PermissionDeniedError("the diagnosis is for employees", help="use the portal")
    return tenant_diagnosis(runtime, policy, caller.company_id, tenant, facility_id, caller)


def facility_by_ref(s: Session, ref: str) -> Facility:
    """A facility by id, or by key when exactly one company has a facility of that key."""
    found = s.get(Facility, ref)
    if found is not None:
        return found
    rows = s.exec(select(Facility).where(col(Facility.key) == ref)).all()
    if len(rows) != 1:
        raise NotFoundError(
            f"no facility `{ref}`" + (" (several companies use it)" if rows else "")
        )
    return rows[0]
