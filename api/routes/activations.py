"""Activations (seed 000): the app redeems a code for a token; employees see a unit's
activation and resend it (`sync.manage`, rate-limited, audited)."""

from __future__ import annotations

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, JSONBody
from sqlmodel import Session, select

from api.auth import token_for_person
from api.problems import problems
from api.routes._deps import employee_unit
from api.schemas import ActivationMessageOut, ActivationOut, RedeemIn, RedeemOut
from api.settings import Settings
from engine.access import Caller
from engine.domain import Permission
from engine.errors import NotFoundError
from engine.notify._tenant import rental_context
from engine.persistence.tables import Activation, OutboxMessage, Unit
from engine.runtime import Runtime
from engine.units import (
    CodeNotAccepted,
    ResendTooSoon,
    active_rental,
    redeem_activation,
    resend_activation,
)

__all__ = ["activations_router"]


@post("/activations/redeem", responses=problems(400), sync_to_thread=True, exclude_from_auth=True)
def redeem(
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    data: JSONBody[RedeemIn],
) -> RedeemOut:
    """Exchange the code (SMS) or temporary PIN (email) of an activation for a tenant token.

    Each code works once, until it expires; a wrong one counts against the activation,
    which after a few takes none until the facility sends a new code. A refusal never says
    whether the contact is known."""
    config = runtime.lifecycle.activation
    with runtime.db.transaction() as s:
        redeemed = redeem_activation(
            s, config, data.code, runtime.clock.now(), contact=data.contact, link=data.link
        )
    if redeemed is None:  # committed first: the wrong try counts
        raise CodeNotAccepted()
    issued = token_for_person(settings, redeemed.person_id, redeemed.company_id, "tenant")
    return RedeemOut(
        token=issued.token,
        person_id=redeemed.person_id,
        company_id=redeemed.company_id,
        facility_id=redeemed.facility_id,
        expires_at=issued.expires_at,
    )


@get("/units/{unit_id:str}/activation", responses=problems(403, 404), sync_to_thread=True)
def unit_activation(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], unit_id: FromPath[str]
) -> ActivationOut:
    """The activation of the unit's current rental (`facility.view`)."""
    with runtime.db.read() as s:
        unit, _, _ = employee_unit(s, caller, unit_id, Permission.FACILITY_VIEW)
        return _activation_out(s, runtime, unit)


@post(
    "/units/{unit_id:str}/activation/resend",
    status_code=201,
    responses=problems(403, 404, 409, 429),
    sync_to_thread=True,
)
def resend(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], unit_id: FromPath[str]
) -> ActivationOut:
    """Send the unit's tenant a new activation code on their current contact route
    (`sync.manage`); 429 with `Retry-After` when it went out too often in the last hour."""
    now = runtime.clock.now()
    try:
        with runtime.db.transaction() as s:
            unit, facility, _ = employee_unit(s, caller, unit_id, Permission.SYNC_MANAGE)
            rental = active_rental(s, unit.id)
            if rental is None:
                raise NotFoundError(f"unit `{unit_id}` has no current rental")
            config = runtime.lifecycle.activation
            message_id = resend_activation(s, config, rental.id, now)
            runtime.audit.append(
                s,
                facility_id=facility.id,
                at=now,
                kind="activation_resent",
                actor=caller.actor,
                subject=unit.id,
                payload={"rental_id": rental.id, "message_id": message_id},
            )
            s.flush()
            return _activation_out(s, runtime, unit)
    except ResendTooSoon as exc:
        raise TooManyRequestsException(
            detail=exc.message, headers={"Retry-After": str(exc.retry_after)}
        ) from exc


def _activation_out(s: Session, runtime: Runtime, unit: Unit) -> ActivationOut:
    rental = active_rental(s, unit.id)
    row = (
        s.exec(select(Activation).where(Activation.rental_id == rental.id)).first()
        if rental is not None
        else None
    )
    if rental is None or row is None:
        raise NotFoundError(f"unit `{unit.id}` has no activation")
    ctx = rental_context(s, rental.id)
    message = s.get(OutboxMessage, row.message_id) if row.message_id else None
    attempts = runtime.lifecycle.activation.max_attempts
    return ActivationOut(
        id=row.id,
        rental_id=row.rental_id,
        unit_id=unit.id,
        person_id=row.person_id,
        status=row.status,
        due_on=row.due_on,
        channel=row.channel,
        recipient=row.recipient,
        sends=row.sends,
        last_sent_at=row.last_sent_at,
        expires_at=row.pin_expires_at,
        redeemed_at=row.pin_used_at,
        attempts_left=max(0, attempts - row.pin_attempts),
        route_problem=ctx.route().problem if ctx is not None else None,
        message=ActivationMessageOut(
            id=message.id,
            channel=message.channel,
            recipient=message.recipient,
            status=message.status,
            status_reason=message.status_reason,
            created_at=message.created_at,
            sent_at=message.sent_at,
        )
        if message is not None
        else None,
    )


activations_router = Router(
    "/v1", route_handlers=[redeem, unit_activation, resend], tags=["activations"]
)
