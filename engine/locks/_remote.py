"""Remote unlock as an action (Seam's shape): pending → success | error, recorded.

The route checks the preconditions (`remote_target`), decides by the policy, then makes a
pending `LockAction` (`start_action`) and carries it out in the background through the
gateway (`carry_out`); the outcome lands on the action once (`finish_action`). An action
whose process died stays pending until the lock duty marks it `interrupted`
(`sweep_interrupted`, after `ACTION_BOUND`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import update
from sqlmodel import Session, col

from engine.clock import Clock
from engine.errors import RefusedError
from engine.locks._port import GatewayPort, KeyMaterial, LockSigner, RemoteOutcome
from engine.locks._registry import door_lock
from engine.persistence import Database, table_of
from engine.persistence.tables import Door, LockAction, LockDevice, LockGateway

__all__ = [
    "ACTION_BOUND",
    "RemoteUnlock",
    "carry_out",
    "finish_action",
    "remote_target",
    "start_action",
    "sweep_interrupted",
]

ACTION_BOUND = timedelta(seconds=60)
"""A pending action older than this was lost with its process (a gateway exchange settles
in well under it: bounded requests and the action deadline)."""

_actions = table_of(LockAction)


def remote_target(session: Session, door: Door) -> tuple[LockDevice, LockGateway]:
    """The door's registered lock and the gateway in its range (`RefusedError` saying what
    is missing otherwise)."""
    lock = door_lock(session, door)
    gateway = session.get(LockGateway, lock.gateway_id) if lock.gateway_id else None
    if gateway is None:
        raise RefusedError(
            f"the lock of door `{door.name}` has no gateway",
            help="register the lock with the gateway in its range, or open it by phone relay",
        )
    return lock, gateway


def start_action(
    session: Session,
    door: Door,
    lock: LockDevice,
    *,
    decision_id: int,
    requested_by: str,
    now: datetime,
) -> LockAction:
    """A pending unlock of `lock` for the decision `decision_id`, with a fresh command id."""
    action = LockAction(
        facility_id=door.facility_id,
        door_id=door.id,
        lock_id=lock.id,
        command_id=str(uuid4()),
        action="unlock",
        decision_id=decision_id,
        requested_by=requested_by,
        created_at=now,
    )
    session.add(action)
    session.flush()
    return action


def finish_action(session: Session, action_id: str, outcome: RemoteOutcome, now: datetime) -> bool:
    """Record `outcome` on a pending action; False when it had settled already."""
    result = session.connection().execute(
        update(_actions)
        .where(_actions.c.id == action_id, _actions.c.status == "pending")
        .values(
            status=outcome.status,
            error=outcome.error,
            lock_code=outcome.lock_code,
            confirmed_by_device=outcome.confirmed_by_device,
            message=(outcome.message or "")[:500] or None,
            finished_at=now,
        )
    )
    return bool(result.rowcount)


def sweep_interrupted(session: Session, now: datetime, bound: timedelta = ACTION_BOUND) -> int:
    """Mark actions pending for longer than `bound` as error `interrupted`; how many."""
    result = session.connection().execute(
        update(_actions)
        .where(_actions.c.status == "pending", col(LockAction.created_at) < now - bound)
        .values(
            status="error",
            error="interrupted",
            message="the server stopped before the gateway answered; try again",
            finished_at=now,
        )
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True, slots=True)
class RemoteUnlock:
    """One pending action to carry out through a gateway."""

    action_id: str
    command_id: UUID
    lock_id: str
    public_key: str
    url: str
    key: KeyMaterial
    not_before: datetime
    not_after: datetime
    """The decision's window: the command is good only within it."""


async def carry_out(
    db: Database,
    port: GatewayPort,
    signer: LockSigner,
    clock: Clock,
    job: RemoteUnlock,
    *,
    deadline: float,
) -> RemoteOutcome:
    """Run the gateway exchange for `job` and record its outcome on the action."""

    def issue(nonce: bytes) -> bytes:
        return signer.command(
            job.key,
            lock_id=job.lock_id,
            action="unlock",
            challenge=nonce,
            not_before=job.not_before,
            not_after=job.not_after,
            command_id=job.command_id,
        )

    try:
        outcome = await port.remote_unlock(
            job.url, job.lock_id, job.public_key, job.command_id, issue, deadline
        )
    except Exception as exc:  # an outcome is recorded whatever failed
        outcome = RemoteOutcome("error", "invalid_reply", False, message=f"{exc}"[:300])

    def record() -> None:
        with db.transaction() as s:
            finish_action(s, job.action_id, outcome, clock.now())

    await asyncio.to_thread(record)
    return outcome
