"""Appending to a facility's hash chain inside the caller's transaction."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from engine.audit._canonical import canonical_json
from engine.persistence.tables import AuditEntry, AuditHead

__all__ = ["GENESIS_HASH", "AuditLog", "entry_hash"]

GENESIS_HASH = "0" * 64
"""The `prev_hash` of a facility's first entry."""


def entry_hash(
    prev_hash: str,
    facility_id: str,
    seq: int,
    at: datetime,
    kind: str,
    actor: str,
    subject: str,
    payload: str,
) -> str:
    """SHA-256 over the previous hash and the entry's canonical content."""
    body = canonical_json(
        {
            "facility_id": facility_id,
            "seq": seq,
            "at": at,
            "kind": kind,
            "actor": actor,
            "subject": subject,
            "payload": payload,
        }
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditLog:
    """Writes audit entries; `key` authenticates each hash so a forger cannot re-chain."""

    key: bytes

    def mac(self, hash_hex: str) -> str:
        """HMAC-SHA256 of an entry hash under this log's key."""
        return hmac.new(self.key, hash_hex.encode(), hashlib.sha256).hexdigest()

    def append(
        self,
        session: Session,
        *,
        facility_id: str,
        at: datetime,
        kind: str,
        actor: str,
        subject: str,
        payload: dict[str, Any],
    ) -> AuditEntry:
        """Add an entry after the facility's last one, in `session`'s transaction.

        The facility's head row is locked (`FOR UPDATE`; SQLite's write lock does the same)
        so concurrent appends to one facility queue instead of forking the chain.
        """
        head = session.exec(
            select(AuditHead).where(AuditHead.facility_id == facility_id).with_for_update()
        ).one_or_none()
        if head is None:
            head = AuditHead(facility_id=facility_id, seq=0, hash=GENESIS_HASH)
        seq = head.seq + 1
        text = canonical_json(payload)
        digest = entry_hash(head.hash, facility_id, seq, at, kind, actor, subject, text)
        entry = AuditEntry(
            facility_id=facility_id,
            seq=seq,
            at=at,
            kind=kind,
            actor=actor,
            subject=subject,
            payload=text,
            prev_hash=head.hash,
            hash=digest,
            mac=self.mac(digest),
        )
        head.seq = seq
        head.hash = digest
        session.add(head)
        session.add(entry)
        return entry
