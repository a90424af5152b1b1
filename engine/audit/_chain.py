"""Appending to a facility's hash chain inside the caller's transaction."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlmodel import Session

from engine.audit._binding import RowBinding
from engine.audit._canonical import canonical_json
from engine.audit._registry import Registry, is_registered, lock_registry, register_chain
from engine.persistence import connection_of, table_of
from engine.persistence.tables import AuditEntry, AuditHead

__all__ = ["GENESIS_HASH", "AuditLog", "ChainTip", "PendingEntry", "entry_hash"]

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
class ChainTip:
    """Where a facility's chain ends, read with its head locked: the next entries follow it.

    A head whose code does not verify (rewritten without the key, or not yet sealed) keeps
    that code when the chain grows: an append never re-signs what it cannot vouch for.
    """

    facility_id: str
    seq: int
    hash: str
    mac: str | None
    """The head's code as stored (None: no head, or a head not sealed yet)."""
    authentic: bool
    """The stored code verifies, so the moved head gets a fresh one."""
    exists: bool
    """The facility has a head row."""
    registry: Registry | None = None
    """For a chain not in the registry yet: the registry, locked, to register it in."""


@dataclass(frozen=True)
class AuditLog:
    """Writes audit entries; `key` authenticates each hash so a forger cannot re-chain.

    `bindings` name the tables whose rows record what entries say (decisions, transitions);
    verification compares each row with its entry.
    """

    key: bytes
    bindings: tuple[RowBinding, ...] = ()

    def mac(self, hash_hex: str) -> str:
        """HMAC-SHA256 of an entry hash under this log's key."""
        return hmac.new(self.key, hash_hex.encode(), hashlib.sha256).hexdigest()

    def tagged_mac(self, tag: str, *parts: object) -> str:
        """HMAC-SHA256 of `[tag, *parts]` as canonical JSON: the tag keeps the codes of
        heads, registry rows and checkpoints apart from each other and from entry codes
        (an entry's code is over a bare hex hash, which never starts with `[`)."""
        values = [p.astimezone(UTC) if isinstance(p, datetime) else p for p in parts]
        message = canonical_json([tag, *values]).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def head_mac(self, facility_id: str, seq: int, hash_hex: str) -> str:
        """The code of a chain head that ends at entry `seq` with hash `hash_hex`."""
        return self.tagged_mac("head", facility_id, seq, hash_hex)

    def head_is_authentic(self, facility_id: str, seq: int, hash_hex: str, mac: str | None) -> bool:
        """True when `mac` is the head's code."""
        return mac is not None and hmac.compare_digest(
            self.head_mac(facility_id, seq, hash_hex), mac
        )

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
        """Add entries in order after the facility's last one, in `db`'s transaction."""
        return self.extend(db, self.tip(db, facility_id), items)

    def tip(self, db: Session | Connection, facility_id: str) -> ChainTip:
        """The end of the facility's chain, its head locked until `db`'s transaction ends.

        The head row is locked (`FOR UPDATE`; SQLite's write lock does the same) so
        concurrent appends to one facility queue instead of forking the chain. A chain
        without a head locks the registry first, so two first appends queue as well.
        Entries written with `extend(tip, ...)` get the seqs after `tip.seq`: rows that
        record them can carry their entry's seq before the entries are built.
        """
        conn = connection_of(db)
        head = conn.execute(_READ_HEAD, {"fid": facility_id}).first()
        registry = None
        if head is None:
            registry = lock_registry(conn, self)
            head = conn.execute(_READ_HEAD, {"fid": facility_id}).first()  # a creator before us
        if head is not None:
            seq, digest, mac = head
            authentic = self.head_is_authentic(facility_id, seq, digest, mac)
            return ChainTip(facility_id, seq, digest, mac, authentic, exists=True)
        assert registry is not None  # INVARIANT: locked above when there was no head.
        # A registered chain without a head was deleted: it starts again, not registered anew,
        # and verification reports that its entry #1 is not the one it was registered with.
        unregistered = None if is_registered(conn, facility_id) else registry
        return ChainTip(facility_id, 0, GENESIS_HASH, None, True, False, unregistered)

    def tips(self, db: Session | Connection, facility_ids: Iterable[str]) -> dict[str, ChainTip]:
        """`tip` of each facility, heads locked in sorted order (two writers never wait on
        each other in a cycle). When one has no chain yet the registry is locked before any
        head: `tip` would lock it after the others, while a writer creating another chain
        holds it and waits for one of those heads."""
        conn = connection_of(db)
        ids = sorted(set(facility_ids))
        existing = set(conn.execute(_HEADS_OF, {"fids": ids}).scalars())
        if len(existing) < len(ids):
            lock_registry(conn, self)
        return {fid: self.tip(conn, fid) for fid in ids}

    def extend(
        self, db: Session | Connection, tip: ChainTip, items: Sequence[PendingEntry]
    ) -> list[int]:
        """Write `items` as the entries after `tip` (from `tip()` in this transaction, used
        once) and move the head; their seqs. The chain's first entry registers it."""
        conn = connection_of(db)
        fid = tip.facility_id
        rows = self.chained(fid, tip.seq, tip.hash, items)
        if not rows:
            return []
        conn.execute(_INSERT_ENTRY, rows)
        last = rows[-1]
        mac = self.next_head_mac(tip, last["seq"], last["hash"])
        if tip.exists:
            conn.execute(
                _UPDATE_HEAD,
                {"fid": fid, "new_seq": last["seq"], "new_hash": last["hash"], "new_mac": mac},
            )
            return [r["seq"] for r in rows]
        conn.execute(
            _INSERT_HEAD, {"facility_id": fid, "seq": last["seq"], "hash": last["hash"], "mac": mac}
        )
        if tip.registry is not None:
            register_chain(conn, self, tip.registry, fid, rows[0]["hash"], rows[0]["at"])
        return [r["seq"] for r in rows]

    def next_head_mac(self, tip: ChainTip, seq: int, hash_hex: str) -> str | None:
        """The code of the head once moved from `tip` to (`seq`, `hash_hex`): a fresh one
        when `tip`'s verified, else the code found (a tampered head stays detectable)."""
        return self.head_mac(tip.facility_id, seq, hash_hex) if tip.authentic else tip.mac

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
    select(_heads.c.seq, _heads.c.hash, _heads.c.mac)
    .where(_heads.c.facility_id == bindparam("fid"))
    .with_for_update()
)
_HEADS_OF = select(_heads.c.facility_id).where(
    _heads.c.facility_id.in_(bindparam("fids", expanding=True))
)
_INSERT_ENTRY = insert(_entries)
_INSERT_HEAD = insert(_heads)
_UPDATE_HEAD = (
    update(_heads)
    .where(_heads.c.facility_id == bindparam("fid"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"), mac=bindparam("new_mac"))
)
