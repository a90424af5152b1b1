"""Recording access decisions: one `access_decision` row and one audit entry each.

Concurrent requests are written together (group commit): one writer thread per process
takes every decision waiting, writes each facility's in one go and wakes each request when
its decision is committed. A request never answers before its decision is durable.
On PostgreSQL a facility's batch is one statement (`ChainStatement`); otherwise, or when
another writer moved that chain's head, one transaction: the head locked, an insert for the
rows (each holding the seq its entry will have), an insert for the entries.
A batch with a decision the unit's tenant is told of (`may_notify`) takes the locking path,
so that its messages are written to the outbox in the same transaction.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy import Connection, insert

from engine.access._chain_statement import ChainStatement
from engine.access._decision_row import DecisionRow
from engine.access._notices import may_notify, notify_decisions
from engine.audit import AuditLog
from engine.persistence import Database, notify_alerts, table_of
from engine.persistence.tables import AccessDecisionRecord

__all__ = ["DecisionRecorder", "write_decisions"]

MAX_BATCH = 128
"""Most decisions written in one transaction."""

IDLE_SECONDS = 2.0
"""The writer thread ends after this long without work (started again on demand)."""

_decisions = table_of(AccessDecisionRecord)
_INSERT = insert(_decisions).returning(_decisions.c.id, sort_by_parameter_order=True)


def write_decisions(conn: Connection, audit: AuditLog, rows: Sequence[DecisionRow]) -> list[int]:
    """Insert one facility's decisions and append them to its chain; their row ids.

    One facility per call: a transaction locks one chain head, so two never wait on each
    other in a cycle.
    """
    facility_id = rows[0].facility_id
    # INVARIANT: the recorder groups decisions by facility before writing.
    assert all(r.facility_id == facility_id for r in rows)
    tip = audit.tip(conn, facility_id)  # the head locked: the rows' entries follow tip.seq
    columns = [r.columns(tip.seq + n) for n, r in enumerate(rows, start=1)]
    ids: list[int] = list(conn.execute(_INSERT, columns).scalars())
    audit.extend(conn, tip, [r.entry(i) for r, i in zip(rows, ids, strict=True)])
    notify_alerts(conn, facility_id)  # other processes' alert duties look on commit
    return ids


@dataclass
class _Pending:
    row: DecisionRow
    done: Future[int]


class DecisionRecorder:
    """Writes decisions for many threads at once and returns each one's row id when durable."""

    def __init__(
        self, db: Database, audit: AuditLog, on_commit: Callable[[], None] | None = None
    ) -> None:
        self.db = db
        self.audit = audit
        self.on_commit = on_commit
        """Called after each batch commits (wakes this process's alert duty)."""
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._statement = ChainStatement(db, audit) if db.dialect != "sqlite" else None

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
        by_facility: dict[str, list[_Pending]] = {}
        for pending in batch:
            by_facility.setdefault(pending.row.facility_id, []).append(pending)
        for group in by_facility.values():
            self._write_group(group)

    def _write_group(self, group: list[_Pending]) -> None:
        """Write one facility's decisions; one bad decision must not fail the others."""
        try:
            ids = self._store([p.row for p in group])
        except Exception as exc:
            if len(group) == 1:
                group[0].done.set_exception(exc)
                return
            for pending in group:
                self._write_group([pending])
            return
        if self.on_commit is not None:
            self.on_commit()
        for pending, record_id in zip(group, ids, strict=True):
            pending.done.set_result(record_id)

    def _store(self, rows: list[DecisionRow]) -> list[int]:
        notify = any(may_notify(r) for r in rows)
        if self._statement is not None and not notify:
            ids = self._statement.write(rows)
            if ids is not None:
                return ids
        with self.db.transaction() as session:
            conn = session.connection()
            ids = write_decisions(conn, self.audit, rows)
            if notify:
                notify_decisions(conn, rows, ids)
            return ids
