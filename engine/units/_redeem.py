"""Redeeming an activation code (single use, expiring, bounded attempts) and an employee's
resend of a rental's activation (rate-limited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update
from sqlmodel import Session

from engine.errors import InvalidInputError, NotFoundError, RefusedError
from engine.notify import check_number
from engine.notify._tenant import rental_context
from engine.persistence import connection_of, table_of
from engine.persistence.tables import Activation, Facility, OutboxMessage
from engine.units._activation import ActivationConfig, ActivationStatus, send_activation
from engine.units._codes import code_matches

__all__ = ["CodeNotAccepted", "Redeemed", "ResendTooSoon", "redeem_activation", "resend_activation"]

_activation, _facility, _outbox = table_of(Activation), table_of(Facility), table_of(OutboxMessage)


class CodeNotAccepted(InvalidInputError):
    """The contact and code match no open activation (never says which part was wrong)."""

    def __init__(self) -> None:
        super().__init__(
            "contact or code not accepted",
            help="check the message; after too many tries ask the facility to send a new code",
        )


class ResendTooSoon(RefusedError):
    """An activation was sent too often within the last hour."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "this activation was sent too often in the last hour",
            help=f"try again in {retry_after} s",
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Redeemed:
    """Whose account an accepted code opens, and where."""

    activation_id: str
    person_id: str
    facility_id: str
    company_id: str


def redeem_activation(
    db: Session | Connection,
    config: ActivationConfig,
    code: str,
    now: datetime,
    *,
    contact: str | None = None,
    link: str | None = None,
) -> Redeemed | None:
    """Accept `code` for the open activation sent to `contact` (email or phone) or named by
    the app link's `link` token (`<activation>.<send>`); None when not accepted (commit
    anyway: a wrong code counts against every activation it was tried on, and after
    `max_attempts` an activation takes no code until it is sent again). Used once."""
    conn = connection_of(db)
    query = select(_activation).where(
        _activation.c.status == ActivationStatus.SENT,
        _activation.c.pin_used_at.is_(None),
        _activation.c.pin_expires_at > now,
        _activation.c.pin_attempts < config.max_attempts,
    )
    if link is not None:
        activation_id, _, sends = link.partition(".")
        if not sends.isdigit():
            return None
        query = query.where(_activation.c.id == activation_id, _activation.c.sends == int(sends))
    elif contact:
        query = query.where(_activation.c.recipient.in_(_contact_forms(contact)))
    else:
        return None
    open_ = conn.execute(query.order_by(_activation.c.id)).all()
    for row in open_:
        if code_matches(code.strip(), row.pin_hash):
            used = conn.execute(
                update(_activation)
                .where(_activation.c.id == row.id, _activation.c.pin_used_at.is_(None))
                .values(pin_used_at=now)
            ).rowcount
            if used != 1:
                break
            company = conn.execute(
                select(_facility.c.company_id).where(_facility.c.id == row.facility_id)
            ).scalar_one()
            return Redeemed(row.id, row.person_id, row.facility_id, str(company))
    if open_:
        conn.execute(
            update(_activation)
            .where(_activation.c.id.in_([r.id for r in open_]))
            .values(pin_attempts=_activation.c.pin_attempts + 1)
        )
    return None


def _contact_forms(contact: str) -> list[str]:
    """How `contact` may be stored as a recipient: lowercase email, or E.164."""
    contact = contact.strip()
    if "@" in contact:
        return [contact.lower()]
    check = check_number(contact, None)
    return [check.e164] if check.e164 else [contact]


def resend_activation(
    db: Session | Connection, config: ActivationConfig, rental_id: str, now: datetime
) -> str:
    """A new code to the rental's tenant on their current route (an employee's action);
    `ResendTooSoon` after `resends_per_hour` sends within the hour. The new message's id."""
    conn = connection_of(db)
    row = conn.execute(select(_activation).where(_activation.c.rental_id == rental_id)).first()
    ctx = rental_context(conn, rental_id)
    if row is None or ctx is None:
        raise NotFoundError(f"no activation for rental `{rental_id}`")
    if ctx.ended:
        raise RefusedError(f"rental `{rental_id}` has ended")
    if row.status != ActivationStatus.SENT:
        raise RefusedError(
            f"the activation is `{row.status}`: nothing to resend",
            help="a scheduled one is sent on the lease start; an existing account needs none",
        )
    hour_ago = now - timedelta(hours=1)
    recent = (
        conn.execute(
            select(_outbox.c.created_at)
            .where(
                _outbox.c.idempotency_key.like(f"activation/{row.id}/%"),
                _outbox.c.created_at > hour_ago,
            )
            .order_by(_outbox.c.created_at)
        )
        .scalars()
        .all()
    )
    if len(recent) >= config.resends_per_hour:
        wait = (recent[0] + timedelta(hours=1) - now).total_seconds()
        raise ResendTooSoon(max(1, int(wait) + 1))
    message_id = send_activation(conn, config, row.id, ctx, now, expect_sends=row.sends)
    if message_id is None:
        raise RefusedError("the activation was sent by someone else just now")
    return message_id
