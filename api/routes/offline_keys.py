"""Offline keys (open by Bluetooth alone until the day's end) and revocation lists."""

from __future__ import annotations

import base64
from typing import Annotated

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter
from sqlmodel import col, select

from api.locks import HardwareSigner
from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import OfflineKeyIn, OfflineKeyIssued, OfflineKeyOut, RevocationListOut
from engine.access import Caller, company_facility
from engine.domain import Permission
from engine.locks import (
    KeyCache,
    issue_offline_key,
    parse_phone_key,
    revocation_frame,
    revoke_key,
)
from engine.persistence.tables import Facility, OfflineKeyRecord
from engine.policy import PolicyStore
from engine.runtime import Runtime

__all__ = ["offline_keys_router"]


def _out(record: OfflineKeyRecord) -> OfflineKeyOut:
    # INVARIANT: a stored key has its id.
    assert record.id is not None
    return OfflineKeyOut(
        key_id=record.id,
        facility_id=record.facility_id,
        person_id=record.person_id,
        locks=list(record.locks),
        unit_ids=list(record.unit_ids),
        not_before=record.not_before,
        not_after=record.not_after,
        issued_at=record.issued_at,
        revoked_at=record.revoked_at,
        revoke_reason=record.revoke_reason,
    )


@post("/me/offline-keys", responses=problems(400, 403, 404, 409), sync_to_thread=True)
def issue_key(
    runtime: NamedDependency[Runtime],
    policies: NamedDependency[PolicyStore],
    caller: NamedDependency[Caller],
    lock_signer: NamedDependency[HardwareSigner],
    data: JSONBody[OfflineKeyIn],
) -> OfflineKeyIssued:
    """Download an offline key for the facility's doors that would open for me now.

    The policy decides each door at issue time (recorded in the audit log); the key opens
    their locks by Bluetooth alone until the end of the facility's local day at most, and
    no later than any right it rests on ends (a share, an auction window, today's access
    hours). A unit losing access revokes it; locks refuse it once the revocation list
    reaches them. 409 with the reasons when no door would open.
    """
    phone = parse_phone_key(data.phone_public_key)
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        issued = issue_offline_key(
            s,
            runtime.access,
            runtime.audit,
            lock_signer,
            policies.current,
            caller,
            facility_id=data.facility_id,
            phone_public=phone,
            now=now,
        )
        out = _out(issued.record)
    return OfflineKeyIssued(
        **out.model_dump(),
        credential=base64.b64encode(issued.credential).decode(),
        door_ids=issued.doors,
    )


@get("/me/offline-keys", responses=problems(), sync_to_thread=True)
def my_keys(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller]
) -> list[OfflineKeyOut]:
    """My offline keys in this company that have not ended yet (revoked ones say why)."""
    now = runtime.clock.now()
    with runtime.db.read() as s:
        rows = s.exec(
            select(OfflineKeyRecord)
            .join(Facility, col(Facility.id) == col(OfflineKeyRecord.facility_id))
            .where(
                OfflineKeyRecord.person_id == caller.person_id,
                Facility.company_id == caller.company_id,
                col(OfflineKeyRecord.not_after) > now,
            )
            .order_by(col(OfflineKeyRecord.issued_at).desc())
        ).all()
        return [_out(r) for r in rows]


@get(
    "/facilities/{facility_id:str}/offline-keys",
    responses=problems(403, 404),
    sync_to_thread=True,
)
def facility_keys(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
) -> list[OfflineKeyOut]:
    """The facility's offline keys that have not ended yet (`facility.view`)."""
    now = runtime.clock.now()
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, Permission.FACILITY_VIEW)
        rows = s.exec(
            select(OfflineKeyRecord)
            .where(
                OfflineKeyRecord.facility_id == facility_id,
                col(OfflineKeyRecord.not_after) > now,
            )
            .order_by(col(OfflineKeyRecord.issued_at).desc())
        ).all()
        return [_out(r) for r in rows]


MAX_KEY_ID = 2**32 - 1
"""Offline key ids are 32-bit (the lock checks them against revocation lists); larger is
a 400."""


@post(
    "/facilities/{facility_id:str}/offline-keys/{key_id:int}/revoke",
    responses=problems(400, 403, 404),
    status_code=200,
    sync_to_thread=True,
)
def revoke(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    key_id: Annotated[int, PathParameter(ge=1, le=MAX_KEY_ID, description="the offline key's id")],
) -> OfflineKeyOut:
    """Revoke an offline key (a lost phone): locks refuse it once the revocation list
    reaches them (`sites.manage`; revoking twice changes nothing)."""
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        employee_facility(s, caller, facility_id, Permission.SITES_MANAGE)
        record, revoked = revoke_key(s, facility_id, key_id, now, caller.actor)
        if revoked:
            runtime.audit.append(
                s,
                facility_id=facility_id,
                at=now,
                kind="offline_key_revoked",
                actor=caller.actor,
                subject=record.person_id,
                payload={"key_id": key_id},
            )
        return _out(record)


@get("/facilities/{facility_id:str}/revocations", responses=problems(404), sync_to_thread=True)
def revocations(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    lock_signer: NamedDependency[HardwareSigner],
    lock_keys: NamedDependency[KeyCache],
    facility_id: FromPath[str],
) -> RevocationListOut:
    """The facility's signed revocation list, for any token of its company: an online
    phone writes `frame` to each lock it meets (gateways push it too), and the lock then
    refuses those keys."""
    now = runtime.clock.now().replace(microsecond=0)
    with runtime.db.read() as s:
        company_facility(s, caller, facility_id)
    key = lock_keys.get(runtime.db, facility_id, lock_signer, now)
    with runtime.db.read() as s:
        version, ids, frame = revocation_frame(s, lock_signer, key, facility_id, now)
    return RevocationListOut(
        facility_id=facility_id,
        version=version,
        key_ids=ids,
        issued_at=now,
        frame=base64.b64encode(frame).decode(),
    )


offline_keys_router = Router(
    "/v1",
    route_handlers=[issue_key, my_keys, facility_keys, revoke, revocations],
    tags=["locks: offline keys"],
)
