"""Portal: the company's employees and invitations; accepting an invitation (no token needed).

Inviting needs `sites.manage` company-wide and gives no permission the inviter lacks. It
never looks at accounts: the answer is the same whether or not the email has one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.security.jwt import Token
from sqlmodel import col, select

from api.auth import bearer_person, token_for_person
from api.problems import problems
from api.routes._deps import company_permission
from api.schemas import (
    AcceptIn,
    AcceptOut,
    EmployeeOut,
    EmployeeRoleOut,
    InvitationCreated,
    InvitationIn,
    InvitationOut,
    PlacementIn,
)
from api.settings import Settings
from engine.access import Caller
from engine.domain import Permission
from engine.onboarding import EditContext, accept_invitation, invite
from engine.persistence.tables import Invitation, Person, Role, RoleAssignment
from engine.runtime import Runtime

__all__ = ["employees_router"]

_MANAGE = Permission.SITES_MANAGE


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        name=invitation.name,
        roles=[PlacementIn.model_validate(r) for r in invitation.roles],
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        accepted_at=invitation.accepted_at,
    )


@get("/employees", responses=problems(403), sync_to_thread=True)
def list_employees(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller]
) -> list[EmployeeOut]:
    """Everyone holding a role in the company, with their roles, by name."""
    with runtime.db.read() as s:
        company_permission(s, caller, _MANAGE)
        rows = s.exec(
            select(Person, Role, RoleAssignment.facility_id)
            .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
            .join(Role, col(Role.id) == col(RoleAssignment.role_id))
            .where(Role.company_id == caller.company_id)
            .order_by(col(Person.name), col(Person.id), col(Role.name))
        ).all()
    out: dict[str, EmployeeOut] = {}
    for person, role, facility_id in rows:
        employee = out.setdefault(
            person.id,
            EmployeeOut(person_id=person.id, name=person.name, email=person.email, roles=[]),
        )
        employee.roles.append(
            EmployeeRoleOut(role_id=role.id, role_name=role.name, facility_id=facility_id)
        )
    return list(out.values())


@get("/invitations", responses=problems(403), sync_to_thread=True)
def list_invitations(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller]
) -> list[InvitationOut]:
    """The company's newest 200 invitations, accepted or not (codes are never shown again)."""
    with runtime.db.read() as s:
        company_permission(s, caller, _MANAGE)
        rows = s.exec(
            select(Invitation)
            .where(Invitation.company_id == caller.company_id)
            .order_by(col(Invitation.created_at).desc(), col(Invitation.id))
            .limit(200)
        ).all()
        return [_invitation_out(i) for i in rows]


@post("/invitations", responses=problems(403, 404), sync_to_thread=True)
def create_invitation(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    caller: NamedDependency[Caller],
    data: JSONBody[InvitationIn],
) -> InvitationCreated:
    """Invite someone by email to hold roles here; the code in the answer is shown only now.

    The answer is the same whether or not the email has an account (nothing is looked up).
    """
    with runtime.db.transaction() as s:
        held = company_permission(s, caller, _MANAGE)
        ctx = EditContext(s, runtime.audit, runtime.clock.now(), caller.actor)
        invited = invite(
            ctx,
            caller.company_id,
            email=data.email,
            name=data.name,
            placements=[(r.role_id, r.facility_id) for r in data.roles],
            lifetime=timedelta(hours=settings.invitation_hours),
            inviter_holds=held,
        )
        return InvitationCreated(
            **_invitation_out(invited.invitation).model_dump(), code=invited.code
        )


@post(
    "/invitations/accept",
    responses=problems(403, 404, 409),
    sync_to_thread=True,
    exclude_from_auth=True,
)
def accept(
    request: Request[Any, Token, Any],
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    data: JSONBody[AcceptIn],
) -> AcceptOut:
    """Accept an invitation with its code: a token for the person as an employee of the
    company. No token is needed, except to accept for an account that exists already: then
    send that account's token (from any company) with the code."""
    signed_in = bearer_person(request.headers.get("authorization"), settings)
    with runtime.db.transaction() as s:
        accepted = accept_invitation(
            s, runtime.audit, data.code, runtime.clock.now(), signed_in=signed_in
        )
        company_id = accepted.invitation.company_id
    issued = token_for_person(settings, accepted.person.id, company_id, "employee")
    return AcceptOut(
        token=issued.token,
        person_id=issued.person_id,
        company_id=company_id,
        expires_at=issued.expires_at,
    )


employees_router = Router(
    "/v1",
    route_handlers=[list_employees, list_invitations, create_invitation, accept],
    tags=["portal: employees"],
)
