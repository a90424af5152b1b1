"""The alert duty: reads each facility's new decisions and lock events from a durable
cursor on its audit chain, and raises alerts.

Decisions and lock events carry their entry's `seq` in the facility's chain; appends lock
the chain's head, so a row with a lower seq is always committed before one with a higher.
A round locks the facility's cursor row, reads the rows after it up to the head it saw,
raises their alerts and moves the cursor in one transaction: after a crash the same rows
are read again and nothing was half written; two processes never evaluate one row twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from engine.alerts._detect import Detection, held_open, in_decision, in_lock_event
from engine.alerts._raise import Incidents
from engine.alerts._rules import AlertRules
from engine.clock import Clock
from engine.persistence import Database
from engine.persistence.tables import (
    AccessDecisionRecord,
    AlertCursor,
    AlertRecord,
    AuditHead,
    Facility,
    LockEventRecord,
)
from engine.units import ExpiryAlarm

__all__ = ["AlertConfig", "AlertDuty", "AlertEvaluator"]

log = logging.getLogger("unitgate.alerts")


@dataclass(frozen=True)
class AlertConfig:
    """How the alert duty paces itself."""

    poll_seconds: float = 1.0
    """Longest sleep between looks (decisions of other processes are seen within it)."""
    batch_size: int = 500
    """Decisions and lock events read per facility per transaction."""
    held_check_seconds: float = 5.0
    """How often doors held open are looked for (no event tells of a door still open)."""
    max_backoff_seconds: float = 30.0
    coalesce_seconds: float = 0.1
    """After a wake, how long commits are let gather before the round: under load one
    round then covers many batches (a round costs a transaction whatever it reads)."""


@dataclass
class AlertEvaluator:
    """Evaluates the alert rules over what facilities recorded since their cursor."""

    db: Database
    clock: Clock
    rules: Callable[[], AlertRules]
    config: AlertConfig = field(default_factory=AlertConfig)
    _held_at: datetime | None = field(default=None, repr=False)

    def run_once(self) -> list[AlertRecord]:
        """One round over every facility with something new; the alerts it opened."""
        raised: list[AlertRecord] = []
        for facility_id, seen, head in self._behind():
            if seen is not None and self._skip_clean(facility_id, seen, head):
                continue
            while True:
                opened, more = self._advance(facility_id)
                raised.extend(opened)
                if not more:
                    break
        now = self.clock.now()
        due = timedelta(seconds=self.config.held_check_seconds)
        if self._held_at is None or now - self._held_at >= due:
            self._held_at = now
            raised.extend(self._check_held(now))
        return raised

    def _behind(self) -> list[tuple[str, int | None, int]]:
        """Facilities whose chain grew past their cursor: (facility, cursor, head)."""
        h, c = AuditHead, AlertCursor
        with self.db.read() as s:
            rows = s.exec(
                select(h.facility_id, h.seq, c.seq).join(
                    c, col(c.facility_id) == h.facility_id, isouter=True
                )
            ).all()
        return [(f, seen, head) for f, head, seen in rows if seen is None or head > seen]

    def _skip_clean(self, facility_id: str, seen: int, head: int) -> bool:
        """Move the cursor from `seen` to `head` with one statement when nothing a rule
        looks at (a denial, a lock event) lies between: the usual round under load, all
        permits, costs no locked read; whether it did."""
        # INVARIANT: every row up to `head` is committed (appends lock the chain head), so
        # a range found clean stays clean; the UPDATE only ever moves a cursor forward, and
        # one another process moved further is left alone.
        with self.db.transaction() as s:
            denial = _after(s, AccessDecisionRecord, facility_id, seen, head, 1, _DENIED)
            event = [] if denial else _after(s, LockEventRecord, facility_id, seen, head, 1)
            if denial or event:
                return False
            s.exec(
                update(AlertCursor)
                .where(col(AlertCursor.facility_id) == facility_id, col(AlertCursor.seq) < head)
                .values(seq=head, updated_at=self.clock.now())
            )
        return True

    def _cursor(self, s: Session, facility_id: str) -> AlertCursor | None:
        """The facility's cursor, locked (None: another process holds it)."""
        query = (
            select(AlertCursor)
            .where(AlertCursor.facility_id == facility_id)
            .with_for_update(skip_locked=True)
        )
        cursor = s.exec(query).first()
        if cursor is not None:
            return cursor
        if s.get(AlertCursor, facility_id) is not None:
            return None  # it exists and is locked elsewhere
        cursor = AlertCursor(facility_id=facility_id, seq=0, updated_at=self.clock.now())
        s.add(cursor)
        s.flush()
        return cursor

    def _advance(self, facility_id: str) -> tuple[list[AlertRecord], bool]:
        """Evaluate one batch after the cursor; the alerts opened and whether more wait."""
        rules = self.rules()
        n = self.config.batch_size
        try:
            with self.db.transaction() as s:
                cursor = self._cursor(s, facility_id)
                facility = s.get(Facility, facility_id)
                if cursor is None or facility is None:
                    return [], False
                head = s.exec(
                    select(AuditHead.seq).where(AuditHead.facility_id == facility_id)
                ).one()
                decisions = _after(
                    s, AccessDecisionRecord, facility_id, cursor.seq, head, n, _DENIED
                )
                events = _after(s, LockEventRecord, facility_id, cursor.seq, head, n)
                upto = head
                if len(decisions) == n:
                    upto = min(upto, decisions[-1].audit_seq or head)
                if len(events) == n:
                    upto = min(upto, events[-1].audit_seq or head)
                items: list[AccessDecisionRecord | LockEventRecord] = [
                    *(r for r in decisions if (r.audit_seq or 0) <= upto),
                    *(r for r in events if (r.audit_seq or 0) <= upto),
                ]
                items.sort(key=lambda r: r.audit_seq or 0)
                now = self.clock.now()
                opened: list[AlertRecord] = []
                incidents = Incidents(s, facility)
                for item in items:
                    found: list[Detection] = (
                        in_decision(s, rules, item, incidents.is_open)
                        if isinstance(item, AccessDecisionRecord)
                        else in_lock_event(s, rules, item)
                    )
                    for d in found:
                        alert = incidents.raise_(d, now)
                        if alert is not None:
                            opened.append(alert)
                cursor.seq, cursor.updated_at = upto, now
                s.add(cursor)
            return opened, upto < head
        except IntegrityError:  # another process created the cursor first: next round
            return [], False

    def _check_held(self, now: datetime) -> list[AlertRecord]:
        rules = self.rules()
        if not rules.of("door_held_open"):
            return []
        with self.db.read() as s:
            facilities = list(
                s.exec(select(LockEventRecord.facility_id).where(
                    col(LockEventRecord.kind) == "door_opened").distinct()).all()
            )  # fmt: skip
        opened: list[AlertRecord] = []
        for facility_id in facilities:
            with self.db.read() as s:  # most rounds find nothing: no lock taken for that
                if not held_open(s, rules, facility_id, now):
                    continue
            try:
                opened.extend(self._raise_held(facility_id, rules, now))
            except IntegrityError:  # another process created the cursor first: next round
                continue
        return opened

    def _raise_held(self, facility_id: str, rules: AlertRules, now: datetime) -> list[AlertRecord]:
        opened: list[AlertRecord] = []
        with self.db.transaction() as s:
            cursor = self._cursor(s, facility_id)
            facility = s.get(Facility, facility_id)
            if cursor is None or facility is None:
                return []
            incidents = Incidents(s, facility)
            for d in held_open(s, rules, facility_id, now):
                alert = incidents.raise_(d, now)
                if alert is not None:
                    opened.append(alert)
            cursor.checked_at = now
            s.add(cursor)
        return opened


_Row = TypeVar("_Row", AccessDecisionRecord, LockEventRecord)

_DENIED = col(AccessDecisionRecord.allowed).is_(False)
"""No rule sees anything in a permit: rounds pass the permits over unread."""


def _after(
    s: Session,
    table: type[_Row],
    facility_id: str,
    seq: int,
    head: int,
    limit: int,
    *where: ColumnElement[bool],
) -> list[_Row]:
    """The rows of `table` after `seq` up to `head` in the facility's chain (and `where`)."""
    query = (
        select(table)
        .where(
            table.facility_id == facility_id,
            col(table.audit_seq) > seq,
            col(table.audit_seq) <= head,
            *where,
        )
        .order_by(col(table.audit_seq))
        .limit(limit)
    )
    return list(s.exec(query).all())


@dataclass
class AlertDuty:
    """Runs the evaluator until stopped, woken by `alarm` when decisions or lock events
    commit in this process."""

    evaluator: AlertEvaluator
    alarm: ExpiryAlarm = field(default_factory=ExpiryAlarm)
    on_raised: Callable[[AlertRecord], None] | None = None
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    def run(self) -> None:
        """Evaluate until `stop()`; a failed round is logged and retried with backoff."""
        config = self.evaluator.config
        failures = 0
        while not self._stopping.is_set():
            sleep = config.poll_seconds
            try:
                for alert in self.evaluator.run_once():
                    if self.on_raised is not None:
                        self.on_raised(alert)
                failures = 0
            except Exception as exc:  # a duty must outlive a bad round (the database away)
                failures += 1
                sleep = min(config.max_backoff_seconds, 0.25 * 2 ** min(failures, 8))
                log.warning("alert round failed (retry in %.1f s): %s", sleep, exc)
            if not self._stopping.is_set() and self.alarm.wait(sleep) and not failures:
                self._stopping.wait(config.coalesce_seconds)

    def stop(self) -> None:
        """End `run()` after the round in progress."""
        self._stopping.set()
        self.alarm.ring()
