"""Seed 000: a rental's activation, written with the move-in that creates the rental.

A tenant who already has an account gets none (`existing_account`: the new unit shows in
their app). Otherwise it is due on the lease start, the facility's local date: sent at once
when that date has come, else left `scheduled` for the expiry duty to release on that day
(invariant 7: nothing before the lease start). Sending writes the app link and a fresh code
to the outbox (SMS to the mobile field, else the primary phone; email with a temporary PIN
otherwise), keeping only the code's hash. A corrected number from the PMS, or an employee's
resend, sends a new code (`sends` counts them; each is its own idempotency key).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, exists, insert, select, update
from sqlmodel import Session

from engine.notify import MessageKind, Outgoing, enqueue
from engine.notify._tenant import RentalContext, local_date, rental_context
from engine.persistence import connection_of, new_id, table_of
from engine.persistence.tables import Activation, Person, Rental, RoleAssignment
from engine.units._codes import hash_code, new_code

__all__ = [
    "ActivationConfig",
    "ActivationStatus",
    "follow_rentals",
    "has_account",
    "send_activation",
    "start_activations",
]

_activation, _rental = table_of(Activation), table_of(Rental)
_person, _assignment = table_of(Person), table_of(RoleAssignment)


class ActivationStatus:
    """The values of `activation.status`."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    EXISTING_ACCOUNT = "existing_account"
    CANCELLED = "cancelled"
    """The rental ended before its activation was due: nothing is sent."""


@dataclass(frozen=True)
class ActivationConfig:
    """How activations are sent and redeemed (deployment settings)."""

    app_link: str = "https://app.unitgate.example/activate"
    """The page the tenant opens; `?a=<activation>.<send>` is added."""
    valid_days: int = 7
    """How long a code (and its link) can be redeemed."""
    max_attempts: int = 5
    """Wrong codes before the activation is locked until a resend."""
    resends_per_hour: int = 3
    """Employee resends of one activation within any hour."""


def start_activations(
    db: Session | Connection, config: ActivationConfig, rental_ids: Iterable[str], now: datetime
) -> None:
    """An activation for each new rental, in `db`'s transaction; sent when due."""
    conn = connection_of(db)
    for rental_id in rental_ids:
        ctx = rental_context(conn, rental_id)
        if ctx is None or ctx.ended:
            continue
        existing = has_account(conn, ctx.person_id, rental_id, now)
        status = ActivationStatus.EXISTING_ACCOUNT if existing else ActivationStatus.SCHEDULED
        activation_id = new_id()
        conn.execute(
            insert(_activation).values(
                id=activation_id,
                rental_id=rental_id,
                person_id=ctx.person_id,
                facility_id=ctx.facility_id,
                due_on=ctx.lease_start,
                status=status,
                pin_attempts=0,
                sends=0,
                created_at=now,
            )
        )
        if not existing and local_date(now, ctx.timezone) >= ctx.lease_start:
            send_activation(conn, config, activation_id, ctx, now, expect_sends=0)


def has_account(conn: Connection, person_id: str, rental_id: str, now: datetime) -> bool:
    """Seed 000 step 7: whether the person already has an account apart from `rental_id`
    (they used the app, hold a role, were sent an activation, or rented before `now`
    without one: from before activations)."""
    person = conn.execute(select(_person.c.app_seen_at).where(_person.c.id == person_id)).first()
    if person is not None and person.app_seen_at is not None:
        return True
    role = select(_assignment.c.id).where(_assignment.c.person_id == person_id)
    activated = select(_activation.c.id).where(
        _activation.c.person_id == person_id,
        _activation.c.rental_id != rental_id,
        _activation.c.status.in_([ActivationStatus.SENT, ActivationStatus.EXISTING_ACCOUNT]),
    )
    legacy = select(_rental.c.id).where(
        _rental.c.person_id == person_id,
        _rental.c.id != rental_id,
        _rental.c.started_at < now,
        ~exists().where(_activation.c.rental_id == _rental.c.id),
    )
    return bool(conn.execute(select(exists(role) | exists(activated) | exists(legacy))).scalar())


def send_activation(
    conn: Connection,
    config: ActivationConfig,
    activation_id: str,
    ctx: RentalContext,
    now: datetime,
    *,
    expect_sends: int,
) -> str | None:
    """A new code for the activation and its message to the tenant's current route; None
    when another transaction sent it first (its `sends` is no longer `expect_sends`)."""
    route = ctx.route()
    sends = expect_sends + 1
    code = new_code()
    expires = now + timedelta(days=config.valid_days)
    claimed = conn.execute(
        update(_activation)
        .where(_activation.c.id == activation_id, _activation.c.sends == expect_sends)
        .values(
            status=ActivationStatus.SENT,
            channel=route.channel.value,
            recipient=route.recipient,
            pin_hash=hash_code(code),
            pin_expires_at=expires,
            pin_attempts=0,
            pin_used_at=None,
            sends=sends,
            last_sent_at=now,
        )
    ).rowcount
    if claimed != 1:
        return None
    payload: dict[str, Any] = {
        **ctx.payload,
        "app_link": f"{config.app_link}?a={activation_id}.{sends}",
        "expires_on": local_date(expires, ctx.timezone).isoformat(),
    }
    message = Outgoing(
        facility_id=ctx.facility_id,
        kind=MessageKind.ACTIVATION,
        channel=route.channel,
        recipient=route.recipient,
        idempotency_key=f"activation/{activation_id}/{sends}",
        person_id=ctx.person_id,
        payload=payload,
        secret=code,
        problem=route.problem,
    )
    message_id = enqueue(conn, message, now)
    conn.execute(
        update(_activation).where(_activation.c.id == activation_id).values(message_id=message_id)
    )
    return message_id


def follow_rentals(
    db: Session | Connection, config: ActivationConfig, rental_ids: Iterable[str], now: datetime
) -> None:
    """After the PMS restated `rental_ids`: a scheduled activation follows a moved lease
    start (sent if now due); a sent, unredeemed one goes again to a changed route."""
    conn = connection_of(db)
    ids = sorted(set(rental_ids))
    if not ids:
        return
    rows = conn.execute(
        select(_activation).where(
            _activation.c.rental_id.in_(ids),
            _activation.c.status.in_([ActivationStatus.SCHEDULED, ActivationStatus.SENT]),
            _activation.c.pin_used_at.is_(None),
        )
    ).all()
    for row in rows:
        ctx = rental_context(conn, row.rental_id)
        if ctx is None or ctx.ended:
            continue
        if row.status == ActivationStatus.SCHEDULED:
            if row.due_on != ctx.lease_start:
                conn.execute(
                    update(_activation)
                    .where(_activation.c.id == row.id)
                    .values(due_on=ctx.lease_start)
                )
            if local_date(now, ctx.timezone) >= ctx.lease_start:
                send_activation(conn, config, row.id, ctx, now, expect_sends=row.sends)
        elif ctx.route().recipient != row.recipient:
            send_activation(conn, config, row.id, ctx, now, expect_sends=row.sends)
