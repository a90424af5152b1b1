"""Portal: a facility's keypad locks (capacity, health) and the codes unitgate manages on
them, numbers masked; revealing one is a permissioned action written to the audit log."""

from __future__ import annotations

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlmodel import Session, col, func, select

from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import BackupPoolOut, KeypadCodeOut, KeypadLockOut, RevealedCodeOut
from api.settings import Settings
from engine.access import Caller
from engine.codes import PoolHealth, masked, model_named, pool_health
from engine.domain import Permission
from engine.errors import NotFoundError
from engine.persistence.tables import Facility, KeypadCode, KeypadLock
from engine.runtime import Runtime

__all__ = ["keypad_router"]

REVEAL_KIND = "keypad_code_revealed"
"""The audit entry of a revealed code."""


def _code_out(c: KeypadCode) -> KeypadCodeOut:
    return KeypadCodeOut(
        id=c.id,
        device_id=c.device_id,
        person_id=c.person_id,
        via=c.via,
        name=c.name,
        masked=masked(c.code),
        state=c.state,
        status=c.status,
        failures=c.failures,
        next_attempt_at=c.next_attempt_at,
        last_error=c.last_error,
        flag=c.flag,
    )


def _lock(s: Session, caller: Caller, device_id: str, permission: Permission) -> KeypadLock:
    lock = s.get(KeypadLock, device_id)
    if lock is None or lock.facility_id is None:
        raise NotFoundError(f"no keypad lock `{device_id}`")
    try:
        employee_facility(s, caller, lock.facility_id, permission)
    except NotFoundError:
        raise NotFoundError(f"no keypad lock `{device_id}`") from None
    return lock


@get(
    "/facilities/{facility_id:str}/keypad-locks", responses=problems(403, 404), sync_to_thread=True
)
def keypad_locks(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
) -> list[KeypadLockOut]:
    """The facility's keypad locks: model, capacity, unitgate's and others' codes, whether
    the last round found one full, its last error, its backup pool's health
    (`facility.view`)."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, Permission.FACILITY_VIEW)
        locks = s.exec(
            select(KeypadLock)
            .where(col(KeypadLock.facility_id) == facility_id)
            .order_by(col(KeypadLock.device_id))
        ).all()
        counts = dict(
            s.exec(
                select(KeypadCode.device_id, func.count())
                .where(col(KeypadCode.access_code_id).is_not(None))
                .group_by(col(KeypadCode.device_id))
            ).all()
        )
        pools = pool_health(s, settings.codes_backup_pool, [k.device_id for k in locks])
    return [
        KeypadLockOut(
            device_id=k.device_id,
            door_id=k.door_id,
            model=k.model,
            capacity=model_named(k.model).max_codes,
            managed_codes=int(counts.get(k.device_id, 0)),
            # the round counts backup codes as unmanaged (it never touches them): not here
            unmanaged_codes=max(0, k.unmanaged_codes - _backups(pools[k.device_id])),
            full=k.full,
            online=k.online,
            last_error=k.last_error,
            reconciled_at=k.reconciled_at,
            backup_pool=BackupPoolOut(
                size=pools[k.device_id].size,
                ready=pools[k.device_id].ready,
                setting=pools[k.device_id].setting,
                assigned=pools[k.device_id].assigned,
                health=pools[k.device_id].health,
            ),
        )
        for k in locks
    ]


def _backups(pool: PoolHealth) -> int:
    return pool.ready + pool.setting + pool.assigned


@get("/keypad-locks/{device_id:str}/codes", responses=problems(403, 404), sync_to_thread=True)
def lock_codes(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], device_id: FromPath[str]
) -> list[KeypadCodeOut]:
    """unitgate's codes on the lock, numbers masked, with their status, refusals, next
    attempt, errors and flags (`facility.view`)."""
    with runtime.db.read() as s:
        _lock(s, caller, device_id, Permission.FACILITY_VIEW)
        rows = s.exec(
            select(KeypadCode)
            .where(col(KeypadCode.device_id) == device_id)
            .order_by(col(KeypadCode.name), col(KeypadCode.id))
        ).all()
    return [_code_out(c) for c in rows]


@post(
    "/keypad-codes/{code_id:str}/reveal",
    responses=problems(403, 404),
    sync_to_thread=True,
    status_code=200,
)
def reveal_code(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], code_id: FromPath[str]
) -> RevealedCodeOut:
    """A code's number (`sites.manage`): the reveal, by whom, is written to the facility's
    audit log first."""
    with runtime.db.transaction() as s:
        row = s.get(KeypadCode, code_id)
        if row is None:
            raise NotFoundError(f"no keypad code `{code_id}`")
        lock = _lock(s, caller, row.device_id, Permission.SITES_MANAGE)
        facility = s.get(Facility, lock.facility_id)
        assert facility is not None  # INVARIANT: `_lock` checked it exists.
        seq = runtime.audit.append(
            s,
            facility_id=facility.id,
            at=runtime.clock.now(),
            kind=REVEAL_KIND,
            actor=caller.actor,
            subject=f"keypad_code:{row.id}",
            payload={"device_id": row.device_id, "person_id": row.person_id, "via": row.via},
        )
        return RevealedCodeOut(id=row.id, code=row.code, audit_seq=seq)


keypad_router = Router(
    "/v1", route_handlers=[keypad_locks, lock_codes, reveal_code], tags=["portal: keypad codes"]
)
