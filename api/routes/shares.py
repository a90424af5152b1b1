"""Tenants share digital keys, with an optional expiry, and revoke them."""

from __future__ import annotations

from litestar import Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import Session, col, select

from api.problems import problems
from api.schemas import ShareIn, ShareOut
from engine.access import Caller, company_unit
from engine.errors import NotFoundError, PermissionDeniedError
from engine.persistence.tables import KeyShare, Rental
from engine.runtime import Runtime
from engine.sites import add_person, find_person
from engine.units import active_rental, revoke_share, share_key

__all__ = ["shares_router"]


def _my_rental(session: Session, caller: Caller, unit_id: str) -> Rental:
    """The caller's active rental of the unit; 404 outside the company, 403 if not theirs."""
    unit, _ = company_unit(session, caller, unit_id)
    rental = active_rental(session, unit.id)
    if rental is None or rental.person_id != caller.person_id:
        raise PermissionDeniedError(
            "only the unit's tenant shares its keys", help="ask the tenant to share a key with you"
        )
    return rental


def _share_out(share: KeyShare, now_active: bool) -> ShareOut:
    # What the tenant called the grantee, never the account's own name: an email or mobile
    # may belong to someone the tenant does not know, an account of another company.
    return ShareOut(
        id=share.id,
        unit_id=share.unit_id,
        grantee_id=share.grantee_id,
        grantee_name=share.grantee_label or "",
        created_at=share.created_at,
        expires_at=share.expires_at,
        revoked_at=share.revoked_at,
        active=now_active,
    )


def _active(share: KeyShare, runtime: Runtime) -> bool:
    now = runtime.clock.now()
    return share.revoked_at is None and (share.expires_at is None or share.expires_at > now)


@post("/units/{unit_id:str}/shares", responses=problems(403, 404, 409), sync_to_thread=True)
def create_share(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    unit_id: FromPath[str],
    data: JSONBody[ShareIn],
) -> ShareOut:
    """Share a key to my unit with someone (an account is made for them if they have none)."""
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        rental = _my_rental(s, caller, unit_id)
        label = data.name or data.email or data.mobile or "invited user"
        grantee = find_person(s, email=data.email, mobile=data.mobile)
        if grantee is None:
            grantee = add_person(s, label, now, email=data.email, mobile=data.mobile)
        share = share_key(
            s,
            runtime.audit,
            rental=rental,
            grantee_id=grantee.id,
            now=now,
            expires_at=data.expires_at,
            label=label,
        )
        return _share_out(share, _active(share, runtime))


@get("/units/{unit_id:str}/shares", responses=problems(403, 404), sync_to_thread=True)
def list_shares(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], unit_id: FromPath[str]
) -> list[ShareOut]:
    """The keys I shared to my unit during my rental, newest first."""
    with runtime.db.read() as s:
        rental = _my_rental(s, caller, unit_id)
        rows = s.exec(
            select(KeyShare)
            .where(KeyShare.rental_id == rental.id)
            .order_by(col(KeyShare.created_at).desc())
        ).all()
        return [_share_out(r, _active(r, runtime)) for r in rows]


@delete(
    "/shares/{share_id:str}",
    responses=problems(403, 404),
    status_code=200,
    sync_to_thread=True,
)
def delete_share(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], share_id: FromPath[str]
) -> ShareOut:
    """Revoke a key I shared; it stops working at once (revoking twice changes nothing)."""
    with runtime.db.transaction() as s:
        share = s.get(KeyShare, share_id)
        if share is None:
            raise NotFoundError(f"no key share `{share_id}`")
        company_unit(s, caller, share.unit_id)  # 404 for another company's share
        rental = s.get(Rental, share.rental_id)
        if rental is None or rental.person_id != caller.person_id:
            raise PermissionDeniedError("only the tenant who shared a key revokes it")
        share = revoke_share(
            s, runtime.audit, share_id=share.id, actor=caller.actor, now=runtime.clock.now()
        )
        return _share_out(share, _active(share, runtime))


shares_router = Router(
    "/v1", route_handlers=[create_share, list_shares, delete_share], tags=["app: shares"]
)
