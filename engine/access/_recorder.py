"""Recording access decisions: one `access_decision` row and one audit entry each.

Concurrent requests are written together (group commit): one writer thread per process
takes every decision waiting, writes them in one transaction (one insert for the rows, one
head lock and one insert per facility chain) and wakes each request when its decision is
committed. A request never answers before its decision is durable.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from engine.audit import AuditLog, PendingEntry
from engine.persistence import Database, table_of
from engine.persistence.tables import AccessDecisionRecord

__all__ = ["DecisionRecorder", "DecisionRow", "write_decisions"]

MAX_BATCH = 128
"""Most decisions written in one transaction."""

IDLE_SECONDS = 2.0
"""The writer thread ends after this long without work (started again on demand)."""

_decisions = table_of(AccessDecisionRecord)
_INSERT = insert(_decisions).returning(_decisions.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class DecisionRow:
    """A decision to record; `audit` is the payload of its chain entry (without its id)."""

    facility_id: str
    door_id: str
    unit_id: str | None
    person_id: str | None
    principal_kind: str
    channel: str
    allowed: bool
    deciding_rule: str | None
    reason: str
    policy_version: str
    note: str | None
    at: datetime
    actor: str
    audit: dict[str, Any]

    def columns(self) -> dict[str, Any]:
        """The `access_decision` columns (no deep copy of the audit payload, as `asdict` makes)."""
        return {name: getattr(self, name) for name in _COLUMNS}


_COLUMNS = tuple(f.name for f in fields(DecisionRow) if f.name not in ("actor", "audit"))


def write_decisions(conn: Connection, audit: AuditLog, rows: Sequence[DecisionRow]) -> list[int]:
    """Insert the decisions and append them to their facilities' chains; their row ids."""
    ids: list[int] = list(conn.execute(_INSERT, [r.columns() for r in rows]).scalars())
    by_facility: dict[str, list[PendingEntry]] = {}
    for row, record_id in zip(rows, ids, strict=True):
        entry = PendingEntry(
            row.at,
            "access_decision",
            row.actor,
            row.unit_id or row.door_id,
            {"decision_id": record_id, **row.audit},
        )
        by_facility.setdefault(row.facility_id, []).append(entry)
    # Heads are locked in one order, so two batches never wait on each other in a cycle.
    for facility_id in sorted(by_facility):
        audit.append_many(conn, facility_id, by_facility[facility_id])
    return ids


@dataclass
class _Pending:
    row: DecisionRow
    done: Future[int]


class DecisionRecorder:
    """Writes decisions for many threads at once and returns each one's row id when durable."""

    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def record(self, row: DecisionRow) -> int:
        """Write `row` (with others waiting) and return its id once committed."""
        return self.submit(row).result()

    def submit(self, row: DecisionRow) -> Future[int]:
        """Queue `row` for the next batch; the future holds its id once committed."""
        pending = _Pending(row, Future())
        with self._lock:
            self._queue.put(pending)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="unitgate-decision-writer", daemon=True
                )
                self._thread.start()
        return pending.done

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:  # record() enqueues under this lock: nothing is stranded
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with self.db.transaction() as session:
                ids = write_decisions(session.connection(), self.audit, [p.row for p in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].done.set_exception(exc)
                return
            for pending in batch:  # one bad decision must not fail the others
                self._write([pending])
            return
        for pending, record_id in zip(batch, ids, strict=True):
            pending.done.set_result(record_id)
