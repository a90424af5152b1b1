"""Roles of a company and who holds them where, as a site file declares them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlmodel import col, select

from engine.domain import Permission
from engine.onboarding._context import EditContext
from engine.persistence.tables import Facility, Person, Role, RoleAssignment
from engine.sites import add_person, assign_role, create_role, find_person

__all__ = ["Placement", "ensure_role", "place_employee", "placements_in", "unassign"]

Placement = tuple[str, str | None]
"""`(role id, facility id or None for every facility)`: one role assignment."""


def ensure_role(
    ctx: EditContext, company_id: str, name: str, permissions: Iterable[Permission]
) -> Role:
    """The company's role `name` holding exactly `permissions` (created or changed)."""
    wanted = sorted(Permission(p).value for p in permissions)
    role = ctx.session.exec(
        select(Role).where(Role.company_id == company_id, Role.name == name)
    ).first()
    where = ctx.company_facilities(company_id)
    if role is None:
        role = create_role(ctx.session, company_id, name, [Permission(p) for p in wanted])
        ctx.record(
            where,
            "role_created",
            role.id,
            f"+ role {name}",
            {"role_id": role.id, "permissions": wanted},
        )
        return role
    held = sorted(role.permissions)
    if held == wanted:
        return role
    added = [f"+{p}" for p in wanted if p not in held]
    dropped = [f"-{p}" for p in held if p not in wanted]
    role.permissions = wanted
    ctx.session.add(role)
    ctx.flush(f"role `{name}`")
    ctx.record(
        where,
        "role_changed",
        role.id,
        f"~ role {name}: permissions {' '.join(added + dropped)}",
        {"role_id": role.id, "before": held, "after": wanted},
    )
    return role


def placements_in(ctx: EditContext, person_id: str, company_id: str) -> dict[Placement, str]:
    """The person's role assignments in the company: placement → assignment id."""
    rows = ctx.session.exec(
        select(RoleAssignment.id, RoleAssignment.role_id, RoleAssignment.facility_id)
        .join(Role, col(Role.id) == col(RoleAssignment.role_id))
        .where(RoleAssignment.person_id == person_id, Role.company_id == company_id)
    ).all()
    return {(role_id, facility_id): aid for aid, role_id, facility_id in rows}


def _where(ctx: EditContext, company_id: str, placement: Placement) -> tuple[list[str], str]:
    """The chains an assignment's change goes to, and how a change line names the place."""
    role_id, facility_id = placement
    role = ctx.session.get(Role, role_id)
    name = role.name if role else role_id
    if facility_id is None:
        return ctx.company_facilities(company_id), f"{name} at every facility"
    facility = ctx.session.get(Facility, facility_id)
    label = (facility.key or facility.name) if facility else facility_id
    return [facility_id], f"{name} at {label}"


def place_employee(
    ctx: EditContext,
    company_id: str,
    email: str,
    name: str,
    wanted: Iterable[Placement],
) -> Person:
    """The account with `email` (made with `name` if there is none; an existing account,
    shared across companies, keeps its name) holds exactly the `wanted` roles here."""
    # Whether the account existed is nobody's business here: the change lines and audit
    # entries are the same either way (the company's auditors read them).
    person = find_person(ctx.session, email=email) or add_person(
        ctx.session, name, ctx.now, email=email
    )
    held = placements_in(ctx, person.id, company_id)
    target = set(wanted)
    for placement in sorted(target - set(held), key=str):
        assign_role(ctx.session, person.id, placement[0], facility_id=placement[1])
        chains, place = _where(ctx, company_id, placement)
        ctx.record(
            chains,
            "role_assigned",
            person.id,
            f"+ employee {person.email}: {place}",
            {"person_id": person.id, "role_id": placement[0], "facility_id": placement[1]},
        )
    for placement in sorted(set(held) - target, key=str):
        unassign(ctx, company_id, person, placement, held[placement])
    return person


def unassign(
    ctx: EditContext, company_id: str, person: Person, placement: Placement, assignment_id: str
) -> None:
    """Take one role assignment away from the person."""
    chains, place = _where(ctx, company_id, placement)
    ctx.session.execute(delete(RoleAssignment).where(col(RoleAssignment.id) == assignment_id))
    ctx.record(
        chains,
        "role_unassigned",
        person.id,
        f"- employee {person.email or person.id}: {place}",
        {"person_id": person.id, "role_id": placement[0], "facility_id": placement[1]},
    )
