"""`unitgate diagnose TENANT`: seed 000's checklist for a tenant, printed for a person."""

from __future__ import annotations

import json

import click
from sqlmodel import select

from api.app import build_policy_store
from api.cli._context import reports_errors, runtime, settings
from api.diagnosis import facility_by_ref, tenant_diagnosis
from api.schemas import DiagnosisOut
from engine.diagnosis import find_tenant
from engine.errors import InvalidInputError, NotFoundError
from engine.persistence.tables import Company
from engine.runtime import Runtime

_MARK = {"pass": "pass", "fail": "FAIL", "unknown": "????"}


def _company(
    rt: Runtime, tenant: str, facility: str | None, company: str | None
) -> tuple[str, str | None]:
    """The company (and facility id) to diagnose `tenant` in."""
    with rt.db.read() as s:
        if facility is not None:
            found = facility_by_ref(s, facility)
            return found.company_id, found.id
        if company is not None:
            return company, None
        companies = []
        for company_id in s.exec(select(Company.id)).all():
            try:
                find_tenant(s, company_id, tenant)
            except NotFoundError:
                continue
            companies.append(company_id)
    if not companies:
        raise NotFoundError(
            f"`{tenant}` is not a tenant of any company",
            help="if the rental was just made, check it is complete in the PMS (seed 000 step 1)",
        )
    if len(companies) > 1:
        raise InvalidInputError(f"`{tenant}` rents in {len(companies)} companies: give `--company`")
    return companies[0], None


def render(d: DiagnosisOut) -> str:
    """The diagnosis as lines for a terminal."""
    lines = [f"{d.name}: diagnosis at {d.at.isoformat()}"]
    for s in d.sections:
        unit = f", unit {s.unit_number}" if s.unit_number else ""
        lines += ["", f"{s.facility_name}{unit}"]
        for c in s.checks:
            lines.append(f"  [{_MARK[c.status]}] step {c.step:>2}  {c.title}: {c.summary}")
            if c.fix and c.status != "pass":
                lines.append(f"{'':>19}fix: {c.fix}")
        cause = s.likely_cause
        if cause is not None:
            lines.append(f"likely cause: step {cause.step}, {cause.title}: {s.next_step}")
        else:
            lines.append(s.next_step)
    return "\n".join(lines)


@click.command()
@click.argument("tenant")
@click.option("--facility", help="only the rental at this facility (id or key)")
@click.option("--company", help="the company, when the tenant rents in several")
@click.option("--json", "as_json", is_flag=True, help="print the diagnosis as the API answers it")
@reports_errors
def diagnose(tenant: str, facility: str | None, company: str | None, as_json: bool) -> None:
    """Walk seed 000's troubleshooting checklist for TENANT (person id, email, mobile or PMS
    tenant ref): each check's status, evidence and fix, the first failing one the likely
    cause. Exit 1 when a check fails."""
    rt = runtime()
    try:
        policy = build_policy_store(settings(), rt).current
        company_id, facility_id = _company(rt, tenant, facility, company)
        found = DiagnosisOut.of(tenant_diagnosis(rt, policy, company_id, tenant, facility_id))
    finally:
        rt.db.dispose()
    click.echo(json.dumps(found.model_dump(mode="json"), indent=2) if as_json else render(found))
    if found.failed:
        raise SystemExit(1)
