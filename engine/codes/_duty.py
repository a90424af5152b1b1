"""The keypad-code duty: reconciles every lock now and then, and at once after a change.

It wakes when its alarm rings (a transition, share or code grant committed in this process)
and, every `poll_seconds`, looks at a cheap fingerprint of what decides the codes
(transitions, rentals, shares, doors' locks, code grants), so a change another process made
(a sync worker, a replica) is reconciled within that; it reconciles anyway every
`full_seconds` (outside edits, wipes, retries that came due, code grants whose load-ahead or
deletion time came). A failed round is logged and retried with backoff.

Every `events_seconds` it also fetches the lock service's new keypad events and lands them
(`KeypadEvents`): a failed fetch is logged and tried again at the next one, apart from the
reconcile rounds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from engine.codes._events import KeypadEvents
from engine.codes._reconcile import Reconciler
from engine.codes._report import RoundReport
from engine.codes._upkeep import Upkeep
from engine.persistence import table_of
from engine.persistence.tables import (
    CodeGrant,
    Door,
    KeypadEventRecord,
    KeyShare,
    Rental,
    TransitionRecord,
)
from engine.units import ExpiryAlarm

__all__ = ["CodeDuty", "CodeDutyConfig"]

log = logging.getLogger("unitgate.codes")

_FINGERPRINT = select(
    select(func.max(table_of(TransitionRecord).c.id)).scalar_subquery(),
    select(func.count())
    .select_from(table_of(Rental))
    .where(table_of(Rental).c.ended_at.is_(None))
    .scalar_subquery(),
    select(func.count())
    .select_from(table_of(KeyShare))
    .where(table_of(KeyShare).c.revoked_at.is_(None))
    .scalar_subquery(),
    select(func.count())
    .select_from(table_of(Door))
    .where(table_of(Door).c.lock_ref.is_not(None), table_of(Door).c.removed_at.is_(None))
    .scalar_subquery(),
    select(func.max(table_of(CodeGrant).c.updated_at)).scalar_subquery(),
)


@dataclass(frozen=True)
class CodeDutyConfig:
    """How the duty paces itself."""

    poll_seconds: float = 1.0
    """Between looks at the fingerprint: the lag of a change made by another process."""
    full_seconds: float = 60.0
    """Longest time between two rounds."""
    max_backoff_seconds: float = 30.0
    events_seconds: float = 5.0
    """Between fetches of the lock service's keypad events: the lag of an entry or a
    refused code reaching the decisions and the alerts."""


@dataclass
class CodeDuty:
    """Runs the reconciler in the running service (or a worker)."""

    reconciler: Reconciler
    config: CodeDutyConfig = field(default_factory=CodeDutyConfig)
    alarm: ExpiryAlarm = field(default_factory=ExpiryAlarm)
    on_round: Callable[[RoundReport], None] | None = None
    upkeep: Upkeep | None = None
    """Backup pools, health checks, alarms and lag after each round (None: none)."""
    events: KeypadEvents | None = None
    """The keypad events fetched and landed every `events_seconds` (None: not fetched)."""
    on_events: Callable[[list[KeypadEventRecord]], None] | None = None
    """Called with the keypad events each fetch landed (none: not called)."""
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)
    _seen: tuple[object, ...] | None = None

    def fingerprint(self) -> tuple[object, ...]:
        """What decides the codes, cheaply: a change in it calls for a round."""
        with self.reconciler.db.read() as s:
            return tuple(s.connection().execute(_FINGERPRINT).one())

    def run(self) -> None:
        """Reconcile until `stop()`."""
        failures, last, fetched = 0, float("-inf"), float("-inf")
        rung = True
        poll = self.config.poll_seconds
        if self.events is not None:
            poll = min(poll, self.config.events_seconds)
        while not self._stopping.is_set():
            sleep = poll
            if time.monotonic() - fetched >= self.config.events_seconds:
                fetched = time.monotonic()
                self.fetch_events()
            try:
                seen = self.fingerprint()
                due = time.monotonic() - last >= self.config.full_seconds
                if rung or due or seen != self._seen:
                    self._seen = seen
                    report = self.run_once()
                    last = time.monotonic()
                    sleep = 0.0 if report.again else sleep
                failures = 0
            except Exception as exc:  # a duty must outlive a bad round
                failures += 1
                sleep = min(self.config.max_backoff_seconds, 0.25 * 2 ** min(failures, 8))
                log.warning("keypad round failed (retry in %.1f s): %s", sleep, exc)
            if not self._stopping.is_set():
                rung = self.alarm.wait(sleep)

    def run_once(self) -> RoundReport:
        """One round over every lock, then the upkeep."""
        started = self.reconciler.clock.now()
        report = self.reconciler.run_once()
        if self.upkeep is not None:
            self.upkeep.after_round(started, self.alarm.rung)
        if self.on_round is not None:
            self.on_round(report)
        return report

    def fetch_events(self) -> list[KeypadEventRecord]:
        """Fetch and land the lock service's new keypad events; the rows landed (none when
        the fetch failed: logged, and the next fetch asks again from the same cursor)."""
        if self.events is None:
            return []
        try:
            rows = self.events.run_once()
        except Exception as exc:  # a duty must outlive a bad fetch
            log.warning("keypad events fetch failed: %s", exc)
            return []
        if rows and self.on_events is not None:
            self.on_events(rows)
        return rows

    def stop(self) -> None:
        """End `run()` after the round in progress."""
        self._stopping.set()
        self.alarm.ring()
