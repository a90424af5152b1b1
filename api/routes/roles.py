"""Portal: roles and permissions of the caller's company."""

from __future__ import annotations

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import col, select

from api.problems import problems
from api.routes._deps import require_company_permission
from api.schemas import AssignmentIn, AssignmentOut, PermissionOut, RoleIn, RoleOut
from engine.access import Caller, company_facility
from engine.domain import Permission
from engine.errors import NotFoundError, RefusedError
from engine.persistence.tables import Person, Role, RoleAssignment
from engine.runtime import Runtime
from engine.sites import assign_role, create_role

__all__ = ["roles_router"]


def _role_out(role: Role) -> RoleOut:
    return RoleOut(
        id=role.id, name=role.name, permissions=[Permission(p) for p in role.permissions]
    )


@get("/permissions", responses=problems(), sync_to_thread=False)
def list_permissions() -> list[PermissionOut]:
    """Every permission a role can hold, with what it allows."""
    return [PermissionOut(name=p, description=p.description) for p in Permission]


@get("/roles", responses=problems(403), sync_to_thread=True)
def list_roles(runtime: NamedDependency[Runtime], caller: NamedDependency[Caller]) -> list[RoleOut]:
    """The company's roles."""
    with runtime.db.read() as s:
        require_company_permission(s, caller, Permission.ROLES_MANAGE)
        rows = s.exec(
            select(Role).where(Role.company_id == caller.company_id).order_by(col(Role.name))
        ).all()
        return [_role_out(r) for r in rows]


@post("/roles", responses=problems(403, 409), sync_to_thread=True)
def add_role(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], data: JSONBody[RoleIn]
) -> RoleOut:
    """Create a role of the company."""
    with runtime.db.transaction() as s:
        require_company_permission(s, caller, Permission.ROLES_MANAGE)
        taken = s.exec(
            select(Role.id).where(Role.company_id == caller.company_id, Role.name == data.name)
        ).first()
        if taken is not None:
            raise RefusedError(f"a role `{data.name}` exists already")
        return _role_out(create_role(s, caller.company_id, data.name, data.permissions))


@post("/roles/{role_id:str}/assignments", responses=problems(403, 404, 409), sync_to_thread=True)
def add_assignment(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    role_id: FromPath[str],
    data: JSONBody[AssignmentIn],
) -> AssignmentOut:
    """Give a person the role at one facility, or at all of them."""
    with runtime.db.transaction() as s:
        require_company_permission(s, caller, Permission.ROLES_MANAGE)
        role = s.get(Role, role_id)
        if role is None or role.company_id != caller.company_id:
            raise NotFoundError(f"no role `{role_id}`")
        if s.get(Person, data.person_id) is None:
            raise NotFoundError(f"no person `{data.person_id}`")
        if data.facility_id is not None:
            company_facility(s, caller, data.facility_id)
        exists = s.exec(
            select(RoleAssignment.id).where(
                RoleAssignment.person_id == data.person_id,
                RoleAssignment.role_id == role_id,
                RoleAssignment.facility_id == data.facility_id,
            )
        ).first()
        if exists is not None:
            raise RefusedError("the person holds this role there already")
        a = assign_role(s, data.person_id, role_id, facility_id=data.facility_id)
        return AssignmentOut(
            id=a.id, person_id=a.person_id, role_id=a.role_id, facility_id=a.facility_id
        )


roles_router = Router(
    "/v1",
    route_handlers=[list_permissions, list_roles, add_role, add_assignment],
    tags=["portal: roles"],
)
