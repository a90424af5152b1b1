"""The inbox: PMS events stored once by (facility, unit, sequence number), then applied once.

Receiving and applying are separate steps with separate transactions. A receipt stores the
record (a repeat only counts another receipt), so nothing the PMS sent is lost once the
cursor moves past it. Applying takes pending entries with row locks that other workers skip
(`FOR UPDATE SKIP LOCKED` on PostgreSQL), applies them as a set (`apply_pms_batch`) and
records their outcomes in the same transaction: an event is applied exactly once even if the
worker dies. When an event fails, the batch is redone one event per savepoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, col, select

from adapters.pms import PmsRecord, RecordPage, Rejected, to_event
from adapters.sync._levels import map_access_levels
from engine.domain import storable
from engine.errors import NotFoundError, RefusedError, UnitgateError
from engine.persistence import connection_of, table_of
from engine.persistence.tables import PmsInboxEntry, PmsRejection, Unit
from engine.runtime import Runtime
from engine.units import (
    ConcurrentUpdate,
    PmsEvent,
    PmsOutcome,
    PmsResult,
    apply_pms_batch,
    apply_pms_event,
)

__all__ = [
    "Processed",
    "Receipt",
    "insert_ignoring",
    "pending_count",
    "process_pending",
    "receive",
    "requeue",
    "unit_ids_by_ref",
]

_inbox = table_of(PmsInboxEntry)

_bump_receipts = (
    update(_inbox)
    .where(
        _inbox.c.facility_id == bindparam("f"),
        _inbox.c.unit_ref == bindparam("u"),
        _inbox.c.seq == bindparam("s"),
    )
    .values(receipts=_inbox.c.receipts + 1)
)


@dataclass
class Receipt:
    """What one receive stored."""

    new: int = 0
    duplicates: int = 0
    """Events already in the inbox (or twice in this input): counted, not stored again."""
    rejected: int = 0
    """Input that was not a valid record; kept in `pms_rejection` with the reason."""


def receive(
    db: Session | Connection, facility_id: str, page: RecordPage, source: str, now: datetime
) -> Receipt:
    """Store `page`'s records as pending events and its unreadable entries as rejections.

    A record the database refuses (a value out of its range) becomes a rejection saying so;
    the others are stored all the same.
    """
    conn = connection_of(db)
    rejected = list(page.rejected)
    unique: dict[tuple[str, int], PmsRecord] = {}
    repeats: list[tuple[str, int]] = []
    for record in page.records:
        key = (record.unit_ref, record.seq)
        if key in unique:
            repeats.append(key)
        else:
            unique[key] = record
    receipt = Receipt()
    if unique:
        stored, refused = _store(conn, facility_id, list(unique.values()), source, now)
        receipt.new = len(stored)
        rejected.extend(rejection for _, rejection in refused)
        refused_keys = {key for key, _ in refused}
        repeats.extend(k for k in unique if k not in stored and k not in refused_keys)
    if repeats:
        conn.execute(_bump_receipts, [{"f": facility_id, "u": u, "s": s} for u, s in repeats])
    receipt.duplicates = len(repeats)
    if rejected:
        conn.execute(
            table_of(PmsRejection).insert(),
            [
                {
                    "facility_id": facility_id,
                    "source": source,
                    "where": storable(r.where)[:200],
                    "error": storable(r.error)[:500],
                    "payload": storable(r.payload),
                    "at": now,
                }
                for r in rejected
            ],
        )
    receipt.rejected = len(rejected)
    return receipt


_REFUSED_BY_DATABASE = (DataError, IntegrityError)


def _store(
    conn: Connection, facility_id: str, records: list[PmsRecord], source: str, now: datetime
) -> tuple[set[tuple[str, int]], list[tuple[tuple[str, int], Rejected]]]:
    """Insert the new records (all at once; one by one when the database refuses one): the
    keys inserted, and each refused record as a rejection."""
    try:
        with conn.begin_nested():
            return _insert_new(conn, facility_id, records, source, now), []
    except _REFUSED_BY_DATABASE:
        pass
    stored: set[tuple[str, int]] = set()
    refused = []
    for record in records:
        try:
            with conn.begin_nested():
                stored |= _insert_new(conn, facility_id, [record], source, now)
        except _REFUSED_BY_DATABASE as exc:
            where = f"{source} record `{record.unit_ref}` seq {record.seq}"
            reason = f"the database refused it: {_reason(exc)}"
            payload = record.model_dump_json(exclude_none=True)
            refused.append(((record.unit_ref, record.seq), Rejected(where, reason, payload)))
    return stored, refused


def insert_ignoring(
    conn: Connection, table: Table, key: list[str] | None = None
) -> postgresql.Insert | sqlite.Insert:
    """`INSERT ... ON CONFLICT DO NOTHING` into `table` for `conn`'s database (SQLite or
    PostgreSQL); `key` names the unique columns (default: any conflict)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=key)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=key)


def _insert_new(
    conn: Connection, facility_id: str, records: Sequence[PmsRecord], source: str, now: datetime
) -> set[tuple[str, int]]:
    """Insert the records not in the inbox yet; the keys that were inserted."""
    rows = [
        {
            "facility_id": facility_id,
            "unit_ref": r.unit_ref,
            "seq": r.seq,
            "source": source,
            "payload": r.model_dump_json(exclude_none=True),
            "received_at": now,
            "receipts": 1,
            "status": "pending",
        }
        for r in records
    ]
    # executemany: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues", pages
    # within the databases' parameter limits) from one cached statement; `.values(rows)`
    # compiled a 500-row statement on every page.
    statement = insert_ignoring(conn, _inbox, ["facility_id", "unit_ref", "seq"]).returning(
        _inbox.c.unit_ref, _inbox.c.seq
    )
    return {(u, s) for u, s in conn.execute(statement, rows)}


@dataclass
class Processed:
    """What one batch of pending events came to."""

    outcomes: Counter[str] = field(default_factory=Counter)
    """Entries by new status (`applied`, `unchanged`, `duplicate`, `stale`, `conflict`,
    `quarantined`), plus `retry` for those left pending after a concurrent change."""
    lag_seconds: list[float] = field(default_factory=list)
    """From the PMS's change to its effect here, for applied events that say when."""
    unknown_access_levels: list[str] = field(default_factory=list)
    """PMS access-level names no level of the facility maps (each a sync conflict)."""
    applied: list[tuple[str, PmsRecord]] = field(default_factory=list, repr=False)
    """(unit id, record) of the events applied or found unchanged."""

    @property
    def taken(self) -> int:
        """Entries looked at in the batch."""
        return sum(self.outcomes.values())


def process_pending(
    rt: Runtime, facility_id: str, *, limit: int = 200, session: Session | None = None
) -> Processed:
    """Apply up to `limit` pending events of the facility, each in order of its unit's seq.

    Runs in `session`'s transaction when given (the worker holds the facility's row lock there),
    else in a transaction of its own.
    """
    if session is not None:
        return _process(rt, session, facility_id, limit)
    with rt.db.transaction() as s:
        return _process(rt, s, facility_id, limit)


_PENDING = (
    select(_inbox.c.id, _inbox.c.unit_ref, _inbox.c.seq, _inbox.c.payload)
    .where(_inbox.c.facility_id == bindparam("facility_id"), _inbox.c.status == "pending")
    .order_by(_inbox.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_SET_STATUS = (
    update(_inbox)
    .where(_inbox.c.id == bindparam("entry_id"))
    .values(status=bindparam("status"), error=bindparam("error"), processed_at=bindparam("at"))
)


@dataclass(frozen=True)
class _Pending:
    id: int
    unit_ref: str
    seq: int
    payload: str


def _process(rt: Runtime, s: Session, facility_id: str, limit: int) -> Processed:
    conn = s.connection()
    rows = [
        _Pending(*r) for r in conn.execute(_PENDING, {"facility_id": facility_id, "limit": limit})
    ]
    if not rows:
        return Processed()
    rows.sort(key=lambda r: (r.unit_ref, r.seq))
    units = unit_ids_by_ref(s, facility_id, {r.unit_ref for r in rows})
    # Poison is rare: apply the batch as a set in one savepoint, and only when an event fails
    # redo it one event at a time, each in a savepoint of its own.
    try:
        with s.begin_nested():
            done = _apply_batch(rt, s, rows, units)
    except _RETRIED_ONE_BY_ONE:
        done = _apply_one_by_one(rt, s, rows, units)
    mapped = map_access_levels(s, facility_id, done.applied, rt.clock.now())
    done.unknown_access_levels = [name for _, name in mapped.unknown]
    return done


_RETRIED_ONE_BY_ONE = (UnitgateError, ValueError, DataError, IntegrityError)
"""What a batch may raise because of one of its events (`ConcurrentUpdate` included)."""


def _apply_batch(rt: Runtime, s: Session, rows: list[_Pending], units: dict[str, str]) -> Processed:
    """All events with `apply_pms_batch`; unreadable ones are quarantined (nothing written)."""
    done, statuses = Processed(), _Statuses(rt.clock.now())
    readable = _readable(rows, units, done, statuses)
    results = apply_pms_batch(s, rt.lifecycle, [event for _, _, event in readable])
    for (row, pms_record, event), result in zip(readable, results, strict=True):
        statuses.record(done, row, result.outcome.value, None)
        _note_lag(done, result, pms_record, statuses.now)
        _note_applied(done, result, event.unit_id, pms_record)
    statuses.write(s)
    return done


@dataclass
class _Statuses:
    """Outcomes to write to the inbox entries, all with one statement."""

    now: datetime
    rows: list[dict[str, object]] = field(default_factory=list)

    def record(self, done: Processed, row: _Pending, status: str, error: str | None) -> None:
        self.rows.append({"entry_id": row.id, "status": status, "error": error, "at": self.now})
        done.outcomes[status] += 1

    def write(self, s: Session) -> None:
        if self.rows:
            s.connection().execute(_SET_STATUS, self.rows)


def _note_lag(done: Processed, result: PmsResult, record: PmsRecord, now: datetime) -> None:
    if result.outcome is PmsOutcome.APPLIED and record.changed_at is not None:
        # Clocks of two systems: a PMS slightly ahead must not give a negative lag.
        done.lag_seconds.append(max(0.0, (now - record.changed_at).total_seconds()))


def _apply_one_by_one(
    rt: Runtime, s: Session, rows: list[_Pending], units: dict[str, str]
) -> Processed:
    """Each event in a savepoint of its own: a failing one is quarantined, the rest apply."""
    done, statuses = Processed(), _Statuses(rt.clock.now())
    for row, pms_record, event in _readable(rows, units, done, statuses):
        try:
            with s.begin_nested():
                result = apply_pms_event(s, rt.lifecycle, event)
        except ConcurrentUpdate:
            done.outcomes["retry"] += 1
            continue  # a portal action won the race: stays pending for the next batch
        except _RETRIED_ONE_BY_ONE as exc:
            statuses.record(done, row, "quarantined", _reason(exc))
            continue
        statuses.record(done, row, result.outcome.value, None)
        _note_lag(done, result, pms_record, statuses.now)
        _note_applied(done, result, event.unit_id, pms_record)
    statuses.write(s)
    return done


def _note_applied(done: Processed, result: PmsResult, unit_id: str, record: PmsRecord) -> None:
    if result.outcome in (PmsOutcome.APPLIED, PmsOutcome.UNCHANGED):
        done.applied.append((unit_id, record))


def _readable(
    rows: list[_Pending], units: dict[str, str], done: Processed, statuses: _Statuses
) -> list[tuple[_Pending, PmsRecord, PmsEvent]]:
    """Each row with its record and event; the unreadable ones (or of units we do not know)
    are quarantined, alone: nothing was written for them."""
    readable = []
    for row in rows:
        try:
            readable.append((row, *_event_of(row, units)))
        except (NotFoundError, ValueError) as exc:
            statuses.record(done, row, "quarantined", _reason(exc))
    return readable


def _event_of(row: _Pending, units: dict[str, str]) -> tuple[PmsRecord, PmsEvent]:
    """The stored record and its lifecycle event for our unit."""
    record = PmsRecord.model_validate_json(row.payload)
    unit_id = units.get(row.unit_ref)
    if unit_id is None:
        raise NotFoundError(f"no unit with PMS ref `{row.unit_ref}` at this facility")
    return record, to_event(record, unit_id)


def _reason(exc: Exception) -> str:
    text = exc.message if isinstance(exc, UnitgateError) else str(exc).splitlines()[0]
    return f"{type(exc).__name__}: {text}"[:500]


def unit_ids_by_ref(s: Session, facility_id: str, refs: set[str]) -> dict[str, str]:
    """Our unit id for each of `refs` the facility has (by `Unit.pms_ref`)."""
    rows = s.exec(
        select(Unit.pms_ref, Unit.id).where(
            Unit.facility_id == facility_id, col(Unit.pms_ref).in_(sorted(refs))
        )
    ).all()
    return {ref: uid for ref, uid in rows if ref is not None}


def requeue(s: Session, facility_id: str, entry_id: int) -> None:
    """Make a quarantined event of the facility pending again."""
    entry = s.get(PmsInboxEntry, entry_id)
    if entry is None or entry.facility_id != facility_id:
        raise NotFoundError(f"no inbox entry `{entry_id}` at facility `{facility_id}`")
    if entry.status != "quarantined":
        raise RefusedError(
            f"inbox entry `{entry_id}` is `{entry.status}`, not quarantined",
            help="only a quarantined event can be retried",
        )
    entry.status, entry.error, entry.processed_at = "pending", None, None
    s.add(entry)


def pending_count(db: Session | Connection, facility_id: str) -> int:
    """Events of the facility not applied yet."""
    statement = select(func.count()).where(
        _inbox.c.facility_id == facility_id, _inbox.c.status == "pending"
    )
    return int(connection_of(db).execute(statement).scalar_one())
