"""The expiry duty: records every expiry soon after its stated end, in the running service.

It sleeps until the earliest stated end it knows, looks again at least every
`poll_seconds` (a window or emergency another process set is seen within that), and wakes
at once when its alarm rings (a portal action set a bound, or a decision met a unit past
its bound). Each round claims the due units in batches, one facility's at a time
(`claim_due`: row locks, `SKIP LOCKED` on PostgreSQL), and records their expiries as a set
(`record_expiries`), so several duties (API replicas, `unitgate expire run` workers) share
the work and each expiry is recorded once. It keeps nothing but its next wake-up in memory:
a restarted duty finds what is due in the database.

Its rounds also release the scheduled activations whose facility-local lease date has come
(`release_due`), waking at the next such local midnight.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from engine.persistence import Database
from engine.units._activation_release import next_release_at, release_due
from engine.units._expiry import claim_due, next_bound
from engine.units._expiry_batch import Expired, record_expiries
from engine.units._service import LifecycleService

__all__ = ["ExpiryAlarm", "ExpiryConfig", "ExpiryDuty", "ExpiryRound"]

log = logging.getLogger("unitgate.expiry")


class ExpiryAlarm:
    """Wakes the duty of this process before its planned time (cheap: an event, no I/O)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def ring(self) -> None:
        """An expiry may be due sooner than the duty planned: look now."""
        self._event.set()

    def rung(self) -> bool:
        """Whether it was rung since the last `wait` (without resetting it)."""
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, or until rung; whether it was rung (and reset it)."""
        rung = self._event.wait(seconds)
        self._event.clear()
        return rung


@dataclass(frozen=True)
class ExpiryConfig:
    """How an expiry duty paces itself."""

    poll_seconds: float = 1.0
    """Longest sleep between looks: bounds other processes set are seen within it."""
    batch_size: int = 100
    """Units of one facility expired per transaction (locked until it commits)."""
    max_backoff_seconds: float = 30.0
    """Longest pause after rounds that failed in a row (the database is away)."""


@dataclass(frozen=True)
class ExpiryRound:
    """What one round did, and how long to sleep before the next."""

    expired: list[Expired]
    refused: list[str]
    """Units due whose expiry the machine refused (logged; tried again next round)."""
    sleep_seconds: float


@dataclass
class ExpiryDuty:
    """Records the expiries that are due, sharing them with other duties on the database."""

    db: Database
    service: LifecycleService
    config: ExpiryConfig = field(default_factory=ExpiryConfig)
    alarm: ExpiryAlarm = field(default_factory=ExpiryAlarm)
    on_expired: Callable[[Expired], None] | None = None
    """Told of each expiry once it is committed (the CLI prints it, serve counts it)."""
    totals: Counter[str] = field(default_factory=Counter)
    """Expiries this duty recorded, by event."""
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    def run(self) -> None:
        """Record expiries until `stop()`; a failed round is logged and retried with backoff."""
        failures = 0
        while not self._stopping.is_set():
            try:
                sleep = self.run_once().sleep_seconds
                failures = 0
            except Exception as exc:  # a duty must outlive a bad round (the database away)
                failures += 1
                sleep = min(self.config.max_backoff_seconds, 0.25 * 2 ** min(failures, 8))
                log.warning("expiry round failed (retry in %.1f s): %s", sleep, _first_line(exc))
            if not self._stopping.is_set():
                self.alarm.wait(sleep)

    def stop(self) -> None:
        """End `run()` after the round in progress (safe from signal handlers and threads)."""
        self._stopping.set()
        self.alarm.ring()

    def run_once(self) -> ExpiryRound:
        """Record every expiry due now; the round's expiries and the sleep until the next."""
        clock = self.service.clock
        now = clock.now()
        with self.db.read() as s:
            earliest = next_bound(s)
            release = next_release_at(s)
        expired: list[Expired] = []
        refused: list[str] = []
        if earliest is not None and earliest <= now:
            self._expire_due(now, expired, refused)
            with self.db.read() as s:
                earliest = next_bound(s, after=now)
        if release is not None and release <= now:
            self._release_activations(now)
            with self.db.read() as s:
                release = next_release_at(s)
        sleep = self.config.poll_seconds
        for bound in (earliest, release):
            if bound is not None:
                sleep = min(sleep, max(0.0, (bound - clock.now()).total_seconds()))
        return ExpiryRound(expired, refused, sleep)

    def _release_activations(self, now: datetime) -> None:
        """Send the activations due by `now`, a batch per transaction."""
        while True:
            with self.db.transaction() as s:
                sent, more = release_due(s, self.service.activation, now)
            self.totals["activation_released"] += sent
            if not more:
                return

    def _expire_due(self, now: datetime, expired: list[Expired], refused: list[str]) -> None:
        """Batches of the units due by `now` until none is left that nobody else holds."""
        while True:
            with self.db.transaction() as s:
                units = claim_due(s, now, self.config.batch_size, skip=refused)
                if not units:
                    return
                done, refusals = record_expiries(s, self.service, units)
            for unit_id, exc in refusals:
                log.error("expiry of unit %s refused: %s", unit_id, exc)
                refused.append(unit_id)
            for item in done:
                expired.append(item)
                self.totals[item.event.value] += 1
                if self.on_expired is not None:
                    self.on_expired(item)


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
