"""PostgreSQL: a batch of one facility's decisions, their audit entries and the new chain
head in a single statement, without holding a lock across round trips.

The locking path (`write_decisions`) costs six round trips per batch: BEGIN, insert the
rows, lock the head, insert the entries, move the head, COMMIT. Here the writer keeps
the last head it saw for each facility and row ids drawn ahead from the table's
sequence, computes the entries in Python, and sends one statement whose head update
succeeds only if the head is still the one it chained from (compare-and-set). A single
statement is atomic: the rows, the entries and the head are written together or not at
all. When another writer moved the head, nothing is written and the caller takes the
locking path.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from engine.access._decision_row import DecisionRow
from engine.audit import AuditLog, ChainTip
from engine.persistence import ALERTS_CHANNEL, Database

__all__ = ["ChainStatement"]

ID_BLOCK = 256
"""Row ids taken from the sequence at a time (a gap is left by ids never used)."""

_DECISION_COLUMNS = {
    "id": "int4",
    "facility_id": "text",
    "door_id": "text",
    "unit_id": "text",
    "person_id": "text",
    "principal_kind": "text",
    "channel": "text",
    "allowed": "bool",
    "deciding_rule": "text",
    "reason": "text",
    "reason_code": "text",
    "policy_version": "text",
    "note": "text",
    "at": "timestamptz",
    "audit_seq": "int4",
}
_ENTRY_COLUMNS = {
    "facility_id": "text",
    "seq": "int4",
    "at": "timestamptz",
    "kind": "text",
    "actor": "text",
    "subject": "text",
    "payload": "text",
    "prev_hash": "text",
    "hash": "text",
    "mac": "text",
}


def _insert(table: str, param: str, columns: dict[str, str]) -> str:
    """Insert the rows of a JSON array parameter (parsed by the server: one parameter,
    where arrays per column cost more to encode than the statement saved)."""
    names = ", ".join(columns)
    record = ", ".join(f"{c} {t}" for c, t in columns.items())
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} "
        f"FROM json_to_recordset(CAST(:{param} AS json)) AS r({record}) "
        "WHERE EXISTS (SELECT FROM head)"
    )


# INVARIANT: the inserts run only when the head moved from exactly (old_seq, old_hash), and
# a statement is atomic, so a chain never forks and no decision is without its entry. The
# head's code moves with it: fresh when the head chained from verified, else as found.
# `woken` (a row per head moved) notifies other processes' alert duties when the statement
# commits; it is what the statement counts, as a plain SELECT in a WITH runs only if read.
_STATEMENT = text(
    f"""
WITH head AS (
    UPDATE audit_head SET seq = :new_seq, hash = :new_hash, mac = :new_mac
    WHERE facility_id = :facility AND seq = :old_seq AND hash = :old_hash
    RETURNING 1
), decisions AS (
    {_insert("access_decision", "decisions", _DECISION_COLUMNS)}
), entries AS (
    {_insert("audit_entry", "entries", _ENTRY_COLUMNS)}
), woken AS (
    SELECT pg_notify('{ALERTS_CHANNEL}', :facility) FROM head
)
SELECT count(*) FROM woken
"""
)
_HEAD = text("SELECT seq, hash, mac FROM audit_head WHERE facility_id = :facility")
_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('access_decision', 'id')) "
    "FROM generate_series(1, :n) ORDER BY 1"
)


class ChainStatement:
    """Writes one facility's decisions in one autocommitted statement (PostgreSQL only).

    Used by one writer thread at a time: the head cache and id block are not shared.
    """

    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit
        self._heads: dict[str, ChainTip] = {}
        self._ids: list[int] = []

    def write(self, rows: Sequence[DecisionRow]) -> list[int] | None:
        """Write `rows` (all of one facility) with their audit entries; their ids, or None
        when the chain's head moved under us or the facility has no chain yet (nothing
        written: take the locking path)."""
        facility_id = rows[0].facility_id
        with self.db.autocommit_connection() as conn:
            tip = self._heads.pop(facility_id, None) or self._read_tip(conn, facility_id)
            if tip is None:
                return None
            ids = self._take_ids(conn, len(rows))
            items = [r.entry(i) for r, i in zip(rows, ids, strict=True)]
            chained = self.audit.chained(facility_id, tip.seq, tip.hash, items)
            last = chained[-1]
            mac = self.audit.next_head_mac(tip, last["seq"], last["hash"])
            params: dict[str, Any] = {
                "facility": facility_id,
                "old_seq": tip.seq,
                "old_hash": tip.hash,
                "new_seq": last["seq"],
                "new_hash": last["hash"],
                "new_mac": mac,
            }
            columns = [
                {**r.columns(tip.seq + n), "id": i}
                for n, (r, i) in enumerate(zip(rows, ids, strict=True), start=1)
            ]
            params["decisions"] = json.dumps(columns, default=_iso)
            params["entries"] = json.dumps(chained, default=_iso)
            if conn.execute(_STATEMENT, params).scalar_one() != 1:
                return None  # the head moved; the ids taken are left as a gap
        self._heads[facility_id] = replace(tip, seq=last["seq"], hash=last["hash"], mac=mac)
        return ids

    def _read_tip(self, conn: Connection, facility_id: str) -> ChainTip | None:
        """The facility's head as stored (not locked: the statement compares and sets)."""
        row = conn.execute(_HEAD, {"facility": facility_id}).first()
        if row is None:
            return None
        seq, digest, mac = row
        authentic = self.audit.head_is_authentic(facility_id, seq, digest, mac)
        return ChainTip(facility_id, seq, digest, mac, authentic, exists=True)

    def _take_ids(self, conn: Connection, n: int) -> list[int]:
        if len(self._ids) < n:
            self._ids.extend(conn.execute(_IDS, {"n": max(ID_BLOCK, n)}).scalars())
        taken, self._ids = self._ids[:n], self._ids[n:]
        return taken


def _iso(value: object) -> str:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()  # with its offset: read back as the same timestamptz
    raise TypeError(f"cannot write `{value!r}` as JSON (datetimes must be aware)")
