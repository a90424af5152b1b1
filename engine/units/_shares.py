"""Key shares: a tenant lets another person open their unit, and can take it back."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from engine.audit import AuditLog
from engine.errors import InvalidInputError, NotFoundError, RefusedError
from engine.persistence.tables import KeyShare, Person, Rental, Unit
from engine.units._offline_keys import revoke_offline_keys

__all__ = ["revoke_share", "share_key"]


def share_key(
    session: Session,
    audit: AuditLog,
    *,
    rental: Rental,
    grantee_id: str,
    now: datetime,
    expires_at: datetime | None = None,
    label: str | None = None,
) -> KeyShare:
    """Share the rental's unit with `grantee_id` until `expires_at` (or until revoked);
    `label` is what the tenant called them (shown to the tenant instead of the account's
    own name, which the tenant may not know)."""
    if rental.ended_at is not None:
        raise RefusedError("the rental has ended; there is nothing to share")
    if grantee_id == rental.person_id:
        raise InvalidInputError("a tenant cannot share a key with themselves")
    if session.get(Person, grantee_id) is None:
        raise InvalidInputError(f"no person `{grantee_id}` to share with")
    if expires_at is not None and expires_at <= now:
        raise InvalidInputError(f"the share expiry `{expires_at.isoformat()}` has passed")
    share = KeyShare(
        unit_id=rental.unit_id,
        rental_id=rental.id,
        grantee_id=grantee_id,
        grantee_label=label,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(share)
    session.flush()
    _audit(session, audit, share, "share_created", f"person:{rental.person_id}", now)
    return share


def revoke_share(
    session: Session, audit: AuditLog, *, share_id: str, actor: str, now: datetime
) -> KeyShare:
    """Revoke a share (idempotent: revoking a revoked share changes nothing)."""
    share = session.get(KeyShare, share_id)
    if share is None:
        raise NotFoundError(f"no key share `{share_id}`")
    if share.revoked_at is None:
        share.revoked_at = now
        share.revoked_reason = f"revoked by {actor}"
        session.add(share)
        _audit(session, audit, share, "share_revoked", actor, now)
        unit = session.get(Unit, share.unit_id)
        assert unit is not None
        session.flush()
        revoke_offline_keys(
            session, unit.facility_id, unit.id, now, "key share revoked", person_id=share.grantee_id
        )
    return share


def _audit(
    session: Session, audit: AuditLog, share: KeyShare, kind: str, actor: str, now: datetime
) -> None:
    unit = session.get(Unit, share.unit_id)
    assert unit is not None
    audit.append(
        session,
        facility_id=unit.facility_id,
        at=now,
        kind=kind,
        actor=actor,
        subject=share.unit_id,
        payload={
            "share_id": share.id,
            "unit_id": share.unit_id,
            "grantee_id": share.grantee_id,
            "expires_at": share.expires_at,
        },
    )
