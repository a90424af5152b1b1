"""Per-company webhook secrets: created (shown once), rotated with an overlap, and the keys
that verify a company's pushes now."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from engine.errors import NotFoundError
from engine.persistence import table_of
from engine.persistence.tables import Company, PmsWebhookSecret

__all__ = [
    "DEFAULT_OVERLAP",
    "MAX_OVERLAP",
    "company_secrets",
    "fingerprint",
    "rotate_secret",
    "verifying_keys",
]

DEFAULT_OVERLAP = timedelta(hours=24)
"""How long the older secrets keep verifying after a new one is created, unless told."""
MAX_OVERLAP = timedelta(days=30)

_secrets = table_of(PmsWebhookSecret)


def rotate_secret(
    s: Session, company_id: str, actor: str, now: datetime, overlap: timedelta = DEFAULT_OVERLAP
) -> PmsWebhookSecret:
    """A new secret for the company's PMS (the only time its value is available to show);
    the older secrets retire `overlap` from now (or earlier, as they already would)."""
    # INVARIANT: callers bound `overlap` (0 .. MAX_OVERLAP); 0 retires the others at once.
    company = s.exec(select(Company).where(Company.id == company_id).with_for_update()).first()
    if company is None:
        raise NotFoundError(f"no company `{company_id}`")
    retire = now + overlap
    company_rows = _secrets.c.company_id == company_id
    s.execute(
        update(_secrets)
        .where(company_rows, _secrets.c.retires_at.is_(None) | (_secrets.c.retires_at > retire))
        .values(retires_at=retire)
    )
    # A retired secret verifies nothing any more: its value need not be kept.
    s.execute(update(_secrets).where(company_rows, _secrets.c.retires_at <= now).values(secret=""))
    row = PmsWebhookSecret(
        company_id=company_id, secret=secrets.token_hex(32), created_at=now, created_by=actor
    )
    s.add(row)
    s.flush()
    return row


def company_secrets(s: Session, company_id: str) -> Sequence[PmsWebhookSecret]:
    """The company's secrets, newest first (retired ones too)."""
    return s.exec(
        select(PmsWebhookSecret)
        .where(PmsWebhookSecret.company_id == company_id)
        .order_by(col(PmsWebhookSecret.id).desc())
    ).all()


def verifying_keys(s: Session, company_id: str, now: datetime, fallback: str | None) -> list[bytes]:
    """The keys a push of the company may be signed with now, newest first: its secrets not
    retired yet; `fallback` (the deployment-wide secret) only for a company with none."""
    rows = s.exec(
        select(PmsWebhookSecret.secret, PmsWebhookSecret.retires_at)
        .where(PmsWebhookSecret.company_id == company_id)
        .order_by(col(PmsWebhookSecret.id).desc())
    ).all()
    if not rows:
        return [fallback.encode()] if fallback else []
    return [secret.encode() for secret, retires in rows if retires is None or retires > now]


def fingerprint(secret: str) -> str | None:
    """A short digest that tells secrets apart without revealing them (None once erased)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12] if secret else None
