"""Appending to a facility's hash chain inside the caller's transaction."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlmodel import Session

from engine.audit._canonical import canonical_json
from engine.persistence import connection_of, table_of
from engine.persistence.tables import AuditEntry, AuditHead

__all__ = ["GENESIS_HASH", "AuditLog", "PendingEntry", "entry_hash"]

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
        db: Session | Connection,
        *,
        facility_id: str,
        at: datetime,
        kind: str,
        actor: str,
        subject: str,
        payload: dict[str, Any],
    ) -> int:
        """Add an entry after the facility's last one, in `db`'s transaction; its `seq`."""
        item = PendingEntry(at, kind, actor, subject, payload)
        return self.append_many(db, facility_id, [item])[0]

    def append_many(
        self, db: Session | Connection, facility_id: str, items: Sequence[PendingEntry]
    ) -> list[int]:
        """Add entries in order after the facility's last one, in `db`'s transaction.

        The facility's head row is locked (`FOR UPDATE`; SQLite's write lock does the same)
        so concurrent appends to one facility queue instead of forking the chain. Prebuilt
        Core statements, one insert for all entries: access decisions append in batches.
        """
        conn = connection_of(db)
        head = conn.execute(_READ_HEAD, {"fid": facility_id}).first()
        seq, prev_hash = (head[0], head[1]) if head is not None else (0, GENESIS_HASH)
        rows = self.chained(facility_id, seq, prev_hash, items)
        if not rows:
            return []
        conn.execute(_INSERT_ENTRY, rows)
        last = rows[-1]
        if head is None:
            conn.execute(
                _INSERT_HEAD, {"facility_id": facility_id, "seq": last["seq"], "hash": last["hash"]}
            )
        else:
            conn.execute(
                _UPDATE_HEAD, {"fid": facility_id, "new_seq": last["seq"], "new_hash": last["hash"]}
            )
        return [r["seq"] for r in rows]

    def chained(
        self, facility_id: str, seq: int, prev_hash: str, items: Sequence[PendingEntry]
    ) -> list[dict[str, Any]]:
        """`audit_entry` rows for `items` following the entry `seq` whose hash is `prev_hash`."""
        rows: list[dict[str, Any]] = []
        for item in items:
            seq += 1
            text = canonical_json(item.payload)
            digest = entry_hash(
                prev_hash, facility_id, seq, item.at, item.kind, item.actor, item.subject, text
            )
            rows.append(
                {
                    "facility_id": facility_id,
                    "seq": seq,
                    "at": item.at,
                    "kind": item.kind,
                    "actor": item.actor,
                    "subject": item.subject,
                    "payload": text,
                    "prev_hash": prev_hash,
                    "hash": digest,
                    "mac": self.mac(digest),
                }
            )
            prev_hash = digest
        return rows


@dataclass(frozen=True)
class PendingEntry:
    """An audit entry before it joins a chain."""

    at: datetime
    kind: str
    actor: str
    subject: str
    payload: dict[str, Any]


_heads = table_of(AuditHead)
_entries = table_of(AuditEntry)
_READ_HEAD = (
    select(_heads.c.seq, _heads.c.hash)
    .where(_heads.c.facility_id == bindparam("fid"))
    .with_for_update()
)
_INSERT_ENTRY = insert(_entries)
_INSERT_HEAD = insert(_heads)
_UPDATE_HEAD = (
    update(_heads)
    .where(_heads.c.facility_id == bindparam("fid"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
