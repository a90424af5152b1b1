"""Portal: code grants (temporary, vendor and reservation keypad codes on a facility's
doors in a window), and a person's keypad codes; app: the caller's own codes.

Giving, changing and cancelling need `codes.manage` at the facility and are written to its
audit log; the keypad duty follows at once (the codes alarm). Numbers are always masked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar import Router, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import Session, col, select

from api.codes_duty import grant_timing
from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import CodeGrantChangeIn, CodeGrantIn, CodeGrantOut, PersonCodeOut
from api.settings import Settings
from engine.access import Caller, require_permission
from engine.codes import (
    GrantChange,
    GrantSpec,
    GrantTiming,
    Window,
    cancel_grant,
    change_grant,
    create_grant,
    holder_in_company,
    lock_window,
    masked,
)
from engine.domain import Permission
from engine.errors import NotFoundError
from engine.persistence.tables import CodeGrant, Facility, KeypadCode, KeypadLock
from engine.runtime import Runtime

__all__ = ["code_grants_router", "my_codes_router"]


def _status(grant: CodeGrant, timing: GrantTiming, now: datetime) -> tuple[str, Window | None]:
    window = lock_window(
        grant.starts_at,
        grant.ends_at,
        timedelta(minutes=grant.buffer_before_minutes),
        timedelta(minutes=grant.buffer_after_minutes),
        grant.cancelled_at,
        timing,
    )
    if grant.cancelled_at is not None:
        return "cancelled", window
    if window is None or now >= window.delete_at:
        return "ended", window
    if now >= window.ends_at:
        return "closed", window
    if now >= window.starts_at:
        return "open", window
    return ("loaded" if now >= window.load_at else "scheduled"), window


def _out(grant: CodeGrant, timing: GrantTiming, now: datetime) -> CodeGrantOut:
    status, window = _status(grant, timing, now)
    return CodeGrantOut(
        id=grant.id,
        facility_id=grant.facility_id,
        kind=grant.kind,
        reference=grant.reference,
        person_id=grant.person_id,
        holder_name=grant.holder_name,
        holder_phone=grant.holder_phone,
        holder_email=grant.holder_email,
        door_ids=list(grant.door_ids),
        starts_at=grant.starts_at,
        ends_at=grant.ends_at,
        buffer_before_minutes=grant.buffer_before_minutes,
        buffer_after_minutes=grant.buffer_after_minutes,
        opens_at=window.starts_at if window else None,
        closes_at=window.ends_at if window else None,
        loaded_at=window.load_at if window else None,
        deleted_at=window.delete_at if window else None,
        created_by=grant.created_by,
        created_at=grant.created_at,
        cancelled_at=grant.cancelled_at,
        status=status,
    )


def _grant(s: Session, caller: Caller, grant_id: str, permission: Permission) -> CodeGrant:
    """The grant, if of the caller's company (404) and they hold `permission` there (403)."""
    grant = s.get(CodeGrant, grant_id)
    facility = s.get(Facility, grant.facility_id) if grant is not None else None
    if grant is None or facility is None or facility.company_id != caller.company_id:
        raise NotFoundError(f"no code grant `{grant_id}`")
    require_permission(s, caller, facility, permission)
    return grant


@post(
    "/facilities/{facility_id:str}/code-grants",
    responses=problems(400, 403, 404),
    sync_to_thread=True,
)
def give_grant(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[CodeGrantIn],
) -> CodeGrantOut:
    """Give a code grant (`codes.manage`): a code for the holder on the doors' keypads,
    loaded ahead of `starts_at` and open from `starts_at - buffer_before` to `ends_at +
    buffer_after`; the policy is asked as the caller at each door. Audited."""
    now = runtime.clock.now()
    spec = GrantSpec(
        data.kind,
        tuple(data.door_ids),
        data.starts_at,
        data.ends_at,
        data.buffer_before_minutes,
        data.buffer_after_minutes,
        data.reference,
        data.person_id,
        data.holder_name,
        data.holder_phone,
        data.holder_email,
    )
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, Permission.CODES_MANAGE)
        grant = create_grant(s, runtime.audit, facility, spec, caller.actor, now)
    runtime.codes_alarm.ring()  # committed: the keypad duty puts the code on now
    return _out(grant, grant_timing(settings), now)


@get(
    "/facilities/{facility_id:str}/code-grants",
    responses=problems(403, 404),
    sync_to_thread=True,
)
def list_grants(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
) -> list[CodeGrantOut]:
    """The facility's code grants, newest window first (`facility.view`)."""
    now = runtime.clock.now()
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, Permission.FACILITY_VIEW)
        rows = s.exec(
            select(CodeGrant)
            .where(CodeGrant.facility_id == facility_id)
            .order_by(col(CodeGrant.starts_at).desc(), col(CodeGrant.id))
        ).all()
    timing = grant_timing(settings)
    return [_out(g, timing, now) for g in rows]


@get("/code-grants/{grant_id:str}", responses=problems(403, 404), sync_to_thread=True)
def show_grant(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    caller: NamedDependency[Caller],
    grant_id: FromPath[str],
) -> CodeGrantOut:
    """One code grant with its status and window on the locks (`facility.view`)."""
    with runtime.db.read() as s:
        grant = _grant(s, caller, grant_id, Permission.FACILITY_VIEW)
    return _out(grant, grant_timing(settings), runtime.clock.now())


@patch("/code-grants/{grant_id:str}", responses=problems(400, 403, 404, 409), sync_to_thread=True)
def move_grant(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    caller: NamedDependency[Caller],
    grant_id: FromPath[str],
    data: JSONBody[CodeGrantChangeIn],
) -> CodeGrantOut:
    """Move a grant's window, buffers or doors (`codes.manage`; audited): its code is
    updated, added to new doors and deleted from dropped ones at once."""
    now = runtime.clock.now()
    change = GrantChange(
        tuple(data.door_ids) if data.door_ids is not None else None,
        data.starts_at,
        data.ends_at,
        data.buffer_before_minutes,
        data.buffer_after_minutes,
    )
    with runtime.db.transaction() as s:
        grant = _grant(s, caller, grant_id, Permission.CODES_MANAGE)
        change_grant(s, runtime.audit, grant, change, caller.actor, now)
    runtime.codes_alarm.ring()
    return _out(grant, grant_timing(settings), now)


@post(
    "/code-grants/{grant_id:str}/cancel",
    responses=problems(403, 404),
    sync_to_thread=True,
    status_code=200,
)
def cancel(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    caller: NamedDependency[Caller],
    grant_id: FromPath[str],
) -> CodeGrantOut:
    """Cancel a grant (`codes.manage`; audited): its code stops opening at once and is
    deleted from the locks after `UNITGATE_CODES_DELETE_AFTER_HOURS` (24 h, seed 003).
    Cancelling again changes nothing."""
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        grant = _grant(s, caller, grant_id, Permission.CODES_MANAGE)
        cancel_grant(s, runtime.audit, grant, caller.actor, now)
    runtime.codes_alarm.ring()
    return _out(grant, grant_timing(settings), now)


def _issues(row: KeypadCode) -> tuple[list[str], list[str]]:
    errors = [row.last_error] if row.last_error else []
    warnings = [row.flag] if row.flag else []
    if row.next_attempt_at is not None:
        warnings.append(f"retry waiting until {row.next_attempt_at.isoformat()}")
    if row.status == "setting":
        warnings.append("delay in setting on the lock")
    return errors, warnings


def _codes_of(s: Session, person_id: str, company_id: str) -> list[PersonCodeOut]:
    rows = s.exec(
        select(KeypadCode, KeypadLock)
        .join(KeypadLock, col(KeypadLock.device_id) == col(KeypadCode.device_id))
        .join(Facility, col(Facility.id) == col(KeypadLock.facility_id))
        .where(KeypadCode.person_id == person_id, Facility.company_id == company_id)
        .order_by(col(KeypadCode.device_id))
    ).all()
    out = []
    for code, lock in rows:
        errors, warnings = _issues(code)
        out.append(
            PersonCodeOut(
                id=code.id,
                device_id=code.device_id,
                door_id=lock.door_id,
                facility_id=lock.facility_id,
                via=code.via,
                name=code.name,
                masked=masked(code.code),
                state=code.state,
                status=code.status,
                errors=errors,
                warnings=warnings,
                next_attempt_at=code.next_attempt_at,
            )
        )
    return out


@get("/people/{person_id:str}/codes", responses=problems(403, 404), sync_to_thread=True)
def person_codes(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], person_id: FromPath[str]
) -> list[PersonCodeOut]:
    """A person's keypad codes at the company's facilities (`facility.view` at a facility of
    the company), numbers masked, with status, errors and warnings; 404 for a person the
    company does not know."""
    with runtime.db.read() as s:
        if not caller.is_employee or not holder_in_company(s, person_id, caller.company_id):
            raise NotFoundError(f"no person `{person_id}`")
        codes = _codes_of(s, person_id, caller.company_id)
        seen: set[str] = set()
        for c in codes:
            if c.facility_id is not None and c.facility_id not in seen:
                seen.add(c.facility_id)
                employee_facility(s, caller, c.facility_id, Permission.FACILITY_VIEW)
    return codes


@get("/me/codes", responses=problems(), sync_to_thread=True)
def my_codes(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller]
) -> list[PersonCodeOut]:
    """My keypad codes at this company's facilities, numbers masked, with their status."""
    with runtime.db.read() as s:
        return _codes_of(s, caller.person_id, caller.company_id)


code_grants_router = Router(
    "/v1",
    route_handlers=[give_grant, list_grants, show_grant, move_grant, cancel, person_codes],
    tags=["portal: keypad codes"],
)
"""Portal routes of code grants and a person's codes."""

my_codes_router = Router("/v1", route_handlers=[my_codes], tags=["app: me"])
"""The app's route for the caller's own codes."""
