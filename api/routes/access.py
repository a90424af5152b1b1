"""Doors: access requests by anyone, remote unlock by employees, explanations for auditors."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Router, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token
from sqlmodel import Session

from api.auth import APP_ROLES
from api.lock_duty import RemoteActions
from api.problems import problems
from api.routes.locks import action_out
from api.schemas import (
    AccessRequestIn,
    AccessResult,
    EvaluatedRequest,
    ExplainIn,
    ExplainOut,
    RemoteUnlockIn,
    RemoteUnlockOut,
    UnlockAuthorization,
)
from api.telemetry import Telemetry
from engine.access import (
    AccessOutcome,
    Caller,
    choose,
    company_door,
    company_facility,
    person_in_company,
    request_attributes,
    require_permission,
)
from engine.diagnosis import AppSeen
from engine.domain import Channel, Permission
from engine.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from engine.locks import (
    KeyCache,
    LockSigner,
    RelayCommand,
    RemoteUnlock,
    facility_key,
    material,
    relay_command,
    remote_target,
    start_action,
)
from engine.persistence.tables import Door, LockAction, Person
from engine.policy import PolicyStore
from engine.runtime import Runtime

__all__ = ["access_router"]


@dataclass(frozen=True, slots=True)
class DoorContext:
    """What a door request needs, as one dependency: Litestar resolves two or more
    dependencies of a handler in a task group, a task each (~10 % of an access request's CPU)."""

    runtime: Runtime
    policies: PolicyStore
    telemetry: Telemetry
    caller: Caller
    signer: LockSigner
    keys: KeyCache
    app_seen: AppSeen


def door_context(request: Request[Caller, Token, Any]) -> DoorContext:
    """The app's runtime, policy store, telemetry and lock signer (from its state) and the
    caller."""
    state = request.app.state
    return DoorContext(
        state["runtime"],
        state["policies"],
        state["telemetry"],
        request.user,
        state["lock_signer"],
        state["lock_keys"],
        state["app_seen"],
    )


def _challenge(value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(
            "`challenge` is not base64", help="send the lock's CHALLENGE frame, base64"
        ) from None


async def _decide(
    ctx: DoorContext,
    door_id: str,
    channel: Channel,
    note: str | None = None,
    challenge: bytes | None = None,
) -> AccessResult:
    policy = ctx.policies.current
    with ctx.telemetry.decision_span(door_id, channel.value) as span:
        outcome = await ctx.runtime.access.decide(ctx.caller, door_id, channel, policy, note=note)
        ctx.telemetry.record_decision(span, outcome)
    command = None
    if challenge is not None:
        args = (ctx.runtime.db, ctx.signer, ctx.keys, outcome, challenge)
        if ctx.runtime.db.dialect == "sqlite":
            command = relay_command(*args)
        else:
            command = await asyncio.to_thread(relay_command, *args)
    return _result(outcome, channel, command)


def _result(
    outcome: AccessOutcome, channel: Channel, command: RelayCommand | None = None
) -> AccessResult:
    decision = outcome.decision
    # INVARIANT: decide() always records, so the outcome has a record id.
    assert outcome.record_id is not None
    expires = outcome.unlock_expires_at
    authorization = (
        UnlockAuthorization(
            decision_id=outcome.record_id,
            door_id=outcome.site.id,
            lock_ref=outcome.site.lock_ref,
            channel=channel,
            expires_at=expires,
            command=base64.b64encode(command.frame).decode() if command else None,
            command_id=command.command_id if command else None,
            lock_id=command.lock_id if command else None,
            not_before=command.not_before if command else None,
            not_after=command.not_after if command else None,
        )
        if expires is not None
        else None
    )
    return AccessResult(
        decision_id=outcome.record_id,
        allowed=decision.allowed,
        reason=decision.reason,
        rule=decision.rule,
        reason_code=decision.reason_code,
        policy_version=decision.policy_version,
        at=outcome.at,
        authorization=authorization,
    )


@post(
    "/doors/{door_id:str}/access-requests",
    responses=problems(400, 404, 409),
    dependencies={"door": Provide(door_context, sync_to_thread=False)},
)
async def request_access(
    door: NamedDependency[DoorContext],
    door_id: FromPath[str],
    data: JSONBody[AccessRequestIn],
) -> AccessResult:
    """Ask to open a door now. Every request is decided by the policy and logged.

    Allowed: an unlock authorisation valid for 30 s; with `challenge` (the lock's CHALLENGE
    frame, base64) it carries the COMMAND signed for it, whose window is the decision's.
    Denied: `allowed: false` with a reason the person can act on, and no command. A
    challenge that is not this door's lock's is a 400; a door without a registered
    Bluetooth lock cannot take one (409).
    """
    challenge = _challenge(data.challenge)
    result = await _decide(door, door_id, Channel(data.channel), challenge=challenge)
    await _note_app_seen(door)
    return result


async def _note_app_seen(ctx: DoorContext) -> None:
    """The app called (seed 000 step 8): a write at most once a minute per person."""
    if ctx.caller.role not in APP_ROLES:
        return
    now = ctx.app_seen.due(ctx.caller.person_id)
    if now is None:
        return
    if ctx.runtime.db.dialect == "sqlite":
        ctx.app_seen.write(ctx.caller.person_id, now)
    else:
        await asyncio.to_thread(ctx.app_seen.write, ctx.caller.person_id, now)


@post(
    "/doors/{door_id:str}/remote-unlocks",
    responses=problems(403, 404, 409),
    dependencies={"door": Provide(door_context, sync_to_thread=False)},
)
async def remote_unlock(
    request: Request[Caller, Token, Any],
    door: NamedDependency[DoorContext],
    door_id: FromPath[str],
    data: JSONBody[RemoteUnlockIn],
) -> RemoteUnlockOut:
    """An employee unlocks a door through its gateway (seed 001: a phone locked in a unit).

    First what it needs: a registered Bluetooth lock on the door, with a gateway in range
    (409 saying which is missing). Then decided by the policy like any request (channel
    `remote`); the reason goes to the log and to the tenant's activity feed. Allowed: a
    pending action, carried out through the gateway in the background with a command
    signed for the lock's fresh challenge, valid for the decision's window; poll
    `GET /v1/actions/{id}` for success (`confirmed_by_device`) or the error.
    """
    if not door.caller.is_employee:
        raise PermissionDeniedError(
            "remote unlock is an employee action", help="use the app to open doors"
        )
    runtime = door.runtime
    await asyncio.to_thread(_remote_target, runtime, door.caller, door_id)
    result = await _decide(door, door_id, Channel.REMOTE, data.reason)
    if not result.allowed or result.authorization is None:
        return RemoteUnlockOut(**result.model_dump(), action=None)
    state = request.app.state
    signer = door.signer
    window = (result.at, result.authorization.expires_at)
    action, job = await asyncio.to_thread(
        _start, runtime, signer, door.caller, door_id, result.decision_id, window
    )
    actions: RemoteActions = state["lock_actions"]
    actions.start(signer, job)
    return RemoteUnlockOut(**result.model_dump(), action=action_out(action))


def _remote_target(runtime: Runtime, caller: Caller, door_id: str) -> None:
    with runtime.db.read() as s:
        site = company_door(s, caller, door_id)
        found = s.get(Door, site.id)
        # INVARIANT: `company_door` found the row in this database.
        assert found is not None
        remote_target(s, found)


def _start(
    runtime: Runtime,
    signer: LockSigner,
    caller: Caller,
    door_id: str,
    decision_id: int,
    window: tuple[datetime, datetime],
) -> tuple[LockAction, RemoteUnlock]:
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        found = s.get(Door, door_id)
        assert found is not None  # INVARIANT: read by `_remote_target` before the decision
        lock, gateway = remote_target(s, found)
        key = material(facility_key(s, found.facility_id, signer.public_of, now))
        action = start_action(
            s, found, lock, decision_id=decision_id, requested_by=caller.actor, now=now
        )
        job = RemoteUnlock(
            action.id,
            UUID(action.command_id),
            lock.id,
            lock.public_key,
            gateway.url,
            key,
            window[0],
            window[1],
        )
        return action, job


@post("/doors/{door_id:str}/explain", responses=problems(403, 404), sync_to_thread=True)
def explain(
    runtime: NamedDependency[Runtime],
    policies: NamedDependency[PolicyStore],
    caller: NamedDependency[Caller],
    door_id: FromPath[str],
    data: JSONBody[ExplainIn],
) -> ExplainOut:
    """Why a person would be let in or not at this door now, with every matching rule."""
    policy = policies.current
    with runtime.db.read() as s:
        site = company_door(s, caller, door_id)
        facility = company_facility(s, caller, site.facility_id)
        require_permission(s, caller, facility, Permission.AUDIT_READ)
        _person(s, data.person_id, caller.company_id)
        subject = Caller(data.person_id, caller.company_id, data.role)
        now = runtime.clock.now()
        evaluations = runtime.access.evaluate(s, subject, site, data.channel, policy, now)
    chosen = choose(list(evaluations))
    explanations = runtime.access.explain(policy, evaluations)
    return ExplainOut(
        allowed=chosen.decision.allowed,
        rule=chosen.decision.rule,
        reason=chosen.decision.reason,
        reason_code=chosen.decision.reason_code,
        policy_version=policy.version,
        at=now,
        requests=[
            EvaluatedRequest(
                via=ev.candidate.via,
                unit_id=ev.candidate.unit_id,
                request=request_attributes(ev.candidate),
                allowed=ev.decision.allowed,
                rule=ev.decision.rule,
                reason=ev.decision.reason,
                reason_code=ev.decision.reason_code,
                matched=[r.id for r in ex.matched],
            )
            for ev, ex in zip(evaluations, explanations, strict=True)
        ],
    )


def _person(session: Session, person_id: str, company_id: str) -> Person:
    """The person, if they belong to the company (another company's people do not exist)."""
    person = session.get(Person, person_id)
    if person is None or not person_in_company(session, person_id, company_id):
        raise NotFoundError(f"no person `{person_id}`")
    return person


access_router = Router(
    "/v1", route_handlers=[request_access, remote_unlock, explain], tags=["access"]
)
