"""Employee invitations: a single-use code, kept only as its hash, that brings a person in.

Inviting never looks at accounts, so its answer is the same whether or not the email has
one. Accepting makes the account when there is none; an existing account accepts only when
its owner is signed in, else whoever holds the code (the inviter, too) would get a token
for someone else's account and, through it, see where else that person rents or works.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from engine.audit import AuditLog
from engine.domain import Permission
from engine.errors import InvalidInputError, NotFoundError, PermissionDeniedError, RefusedError
from engine.onboarding._context import EditContext
from engine.onboarding._staff_edits import Placement, placements_in
from engine.persistence.tables import Facility, Invitation, Person, Role
from engine.sites import add_person, assign_role, find_person

__all__ = ["Accepted", "Invited", "accept_invitation", "code_hash", "invite"]

CODE_BYTES = 24
"""Random bytes in a code (192 bits: not guessable, however many tries)."""


def code_hash(code: str) -> str:
    """The stored form of an invitation code."""
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class Invited:
    """A new invitation and its code (shown once: only its hash is stored)."""

    invitation: Invitation
    code: str


@dataclass(frozen=True)
class Accepted:
    """An accepted invitation and the account that accepted it."""

    invitation: Invitation
    person: Person


def _chains(ctx: EditContext, company_id: str, placements: Sequence[Placement]) -> list[str]:
    if any(facility is None for _, facility in placements):
        return ctx.company_facilities(company_id)
    return [facility for _, facility in placements if facility is not None]


def invite(
    ctx: EditContext,
    company_id: str,
    *,
    email: str,
    name: str,
    placements: Sequence[Placement],
    lifetime: timedelta,
    inviter_holds: frozenset[Permission],
) -> Invited:
    """Invite `email` to hold `placements` in the company. The inviter gives no permission
    they do not hold company-wide (`inviter_holds`)."""
    if not placements:
        raise InvalidInputError("an invitation needs at least one role")
    for role_id, facility_id in placements:
        role = ctx.session.get(Role, role_id)
        if role is None or role.company_id != company_id:
            raise NotFoundError(f"no role `{role_id}`")
        if facility_id is not None:
            facility = ctx.session.get(Facility, facility_id)
            if facility is None or facility.company_id != company_id:
                raise NotFoundError(f"no facility `{facility_id}`")
        missing = sorted(p for p in role.permissions if p not in inviter_holds)
        if missing:
            raise PermissionDeniedError(
                f"role `{role.name}` holds `{missing[0]}`, which you do not hold company-wide",
                help="ask someone who holds it to send this invitation",
            )
    code = secrets.token_urlsafe(CODE_BYTES)
    invitation = Invitation(
        company_id=company_id,
        email=email.lower(),
        name=name,
        roles=[{"role_id": r, "facility_id": f} for r, f in placements],
        code_hash=code_hash(code),
        created_by=ctx.actor,
        created_at=ctx.now,
        expires_at=ctx.now + lifetime,
    )
    ctx.session.add(invitation)
    ctx.flush("invitation")
    ctx.record(
        _chains(ctx, company_id, placements),
        "invitation_created",
        invitation.id,
        f"+ invitation {invitation.id}",
        {
            "invitation_id": invitation.id,
            "roles": invitation.roles,
            "expires_at": invitation.expires_at,
        },
    )
    return Invited(invitation, code)


def accept_invitation(
    session: Session, audit: AuditLog, code: str, now: datetime, *, signed_in: str | None
) -> Accepted:
    """Use the invitation with this code once, before it expires: the account with its email
    (made if there is none; `signed_in` must be that account's person otherwise) gets its roles.
    """
    invitation = session.exec(
        select(Invitation).where(Invitation.code_hash == code_hash(code))
    ).first()
    if invitation is None:
        raise NotFoundError("no invitation has this code", help="ask for a new invitation")
    if invitation.accepted_at is not None:
        raise RefusedError("this invitation was used already", help="ask for a new invitation")
    if invitation.expires_at <= now:
        raise RefusedError("this invitation has expired", help="ask for a new invitation")
    person = find_person(session, email=invitation.email)
    if person is None:
        person = add_person(session, invitation.name, now, email=invitation.email)
    elif person.id != signed_in:
        raise PermissionDeniedError(
            "accept this invitation signed in to your account",
            help="send the code with your bearer token (from any company)",
        )
    # INVARIANT: single use, also when two accepts race: only one update finds it unused.
    claimed = session.execute(
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.accepted_at).is_(None))
        .values(accepted_at=now, person_id=person.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise RefusedError("this invitation was used already", help="ask for a new invitation")
    session.expire(invitation)
    ctx = EditContext(session, audit, now, f"person:{person.id}")
    placements = [(str(r["role_id"]), r["facility_id"]) for r in invitation.roles]
    held = placements_in(ctx, person.id, invitation.company_id)
    for role_id, facility_id in placements:
        if (role_id, facility_id) not in held:
            assign_role(session, person.id, role_id, facility_id=facility_id)
    ctx.record(
        _chains(ctx, invitation.company_id, placements),
        "invitation_accepted",
        invitation.id,
        f"~ invitation {invitation.id}: accepted",
        {"invitation_id": invitation.id, "person_id": person.id, "roles": invitation.roles},
    )
    return Accepted(invitation, person)
