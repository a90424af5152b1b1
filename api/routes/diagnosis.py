"""Portal: a tenant's diagnosis (seed 000's checklist), as JSON for employees and as a page
for the office's browser, opened through a short-lived signed link."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from litestar import Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from api.auth import PageClaims, sign_page_link, verify_page_link
from api.diagnosis import employee_diagnosis
from api.diagnosis_page import render_diagnosis
from api.problems import problems
from api.schemas import DiagnosisLinkOut, DiagnosisOut
from api.settings import Settings
from engine.access import Caller
from engine.policy import PolicyStore
from engine.runtime import Runtime

__all__ = ["diagnosis_page_router", "diagnosis_router"]

_PAGE = "diagnosis"
_Facility = Annotated[
    str | None, QueryParameter(max_length=36, description="only the rental at this facility")
]


@get("/tenants/{person_id:str}/diagnosis", responses=problems(403, 404), sync_to_thread=True)
def tenant_diagnosis(
    runtime: NamedDependency[Runtime],
    policies: NamedDependency[PolicyStore],
    caller: NamedDependency[Caller],
    person_id: FromPath[str],
    facility_id: _Facility = None,
) -> DiagnosisOut:
    """Seed 000's troubleshooting checklist for a tenant, done by the system: for each of
    their rentals (or the one at `facility_id`), each check's status (`pass`, `fail`,
    `unknown`), evidence and fix, in the checklist's order; the first failing check is the
    likely cause. `person_id` may also be their email, mobile or PMS tenant ref.

    Employees with `facility.view` at the rental's facility. Nothing is written: the access
    decisions shown are previews, not access attempts."""
    found = employee_diagnosis(runtime, policies.current, caller, person_id, facility_id)
    return DiagnosisOut.of(found)


@post(
    "/tenants/{person_id:str}/diagnosis/link",
    responses=problems(403, 404),
    sync_to_thread=True,
    status_code=201,
)
def diagnosis_link(
    runtime: NamedDependency[Runtime],
    policies: NamedDependency[PolicyStore],
    settings: NamedDependency[Settings],
    caller: NamedDependency[Caller],
    person_id: FromPath[str],
    facility_id: _Facility = None,
) -> DiagnosisLinkOut:
    """The diagnosis as a page for the office's browser: its address, signed for this
    employee and tenant and valid for minutes (a browser opening a link sends no bearer
    token). The page checks the employee's permission again each time it renders."""
    found = employee_diagnosis(runtime, policies.current, caller, person_id, facility_id)
    claims = PageClaims(caller.person_id, caller.company_id, _PAGE, found.person_id, facility_id)
    token, expires = sign_page_link(settings, claims)
    url = f"/portal/tenants/{quote(found.person_id)}/diagnosis?{urlencode({'t': token})}"
    return DiagnosisLinkOut(url=url, expires_at=expires)


@get("/portal/tenants/{person_id:str}/diagnosis", sync_to_thread=True, include_in_schema=False)
def diagnosis_page(
    runtime: NamedDependency[Runtime],
    policies: NamedDependency[PolicyStore],
    settings: NamedDependency[Settings],
    person_id: FromPath[str],
    t: Annotated[str, QueryParameter(max_length=2000)],
) -> Response[str]:
    """The diagnosis page (server-rendered HTML, no script, nothing from elsewhere)."""
    claims = verify_page_link(settings, t, _PAGE, person_id)
    caller = Caller(claims.employee_id, claims.company_id, "employee")
    found = employee_diagnosis(runtime, policies.current, caller, person_id, claims.facility_id)
    return Response(
        render_diagnosis(DiagnosisOut.of(found)),
        media_type="text/html; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "X-Content-Type-Options": "nosniff",
        },
    )


diagnosis_router = Router(
    "/v1", route_handlers=[tenant_diagnosis, diagnosis_link], tags=["portal: diagnosis"]
)
diagnosis_page_router = Router("/", route_handlers=[diagnosis_page])
