"""What follows every reconcile round in the keypad duty: backup pools kept up, the daily
health check of each facility whose time has come, the operator's alarms, and the lag and
failures for the metrics."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from engine.clock import Clock
from engine.codes._alarms import raise_alarms
from engine.codes._backup import PoolHealth, upkeep_pools
from engine.codes._health import HealthResult, due_facilities, run_health_check
from engine.codes._lag import CodeLag, track_lag
from engine.codes._port import LockService
from engine.persistence import Database

__all__ = ["Upkeep", "UpkeepReport"]

log = logging.getLogger("unitgate.codes")


@dataclass
class UpkeepReport:
    """What one upkeep did."""

    pools: dict[str, PoolHealth] = field(default_factory=dict)
    checks: list[HealthResult] = field(default_factory=list)
    alarms: int = 0
    """Incidents opened (each emailed to the operators)."""
    lag: CodeLag = field(default_factory=CodeLag)
    deferred: bool = False
    """A change came in meanwhile: the rest waits for the round it calls for."""


@dataclass
class Upkeep:
    """Runs after each round (`after_round`); `health_check` is also the CLI's."""

    db: Database
    service: LockService
    clock: Clock
    pool_size: int = 3
    """Backup codes kept on each matched lock (0: no backup pool)."""
    on_report: Callable[[UpkeepReport], None] | None = None
    max_defer_seconds: float = 10.0
    """Longest the steps after the lag wait for rounds that changes keep calling for."""
    _rng: random.Random = field(default_factory=random.SystemRandom, repr=False)
    _done: float = field(default_factory=time.monotonic, repr=False)

    def after_round(
        self, started: datetime, interrupted: Callable[[], bool] = lambda: False
    ) -> UpkeepReport:
        """The upkeep after a round that began at `started`. When `interrupted()` says a
        change is waiting, the steps after the lag are left to the next round's upkeep (a
        suspension is not held up by pools or emails), unless they waited too long."""
        report = UpkeepReport()
        now = self.clock.now()
        report.lag = track_lag(self.db, started, now)
        overdue = time.monotonic() - self._done >= self.max_defer_seconds
        if interrupted() and not overdue:
            report.deferred = True
            if self.on_report is not None:
                self.on_report(report)
            return report
        self._done = time.monotonic()
        report.pools = upkeep_pools(self.db, self.service, self.pool_size, now, self._rng)
        for facility_id in due_facilities(self.db, now):
            found = run_health_check(self.db, facility_id, now, self.pool_size)
            if found is not None:
                report.checks.append(found)
                log.info(
                    "health check %s %s: %d not set, %d backups given, %d without",
                    facility_id,
                    found.day,
                    found.not_set,
                    found.backups_given,
                    found.without_backup,
                )
        if report.checks:  # refill what the checks pulled
            report.pools = upkeep_pools(self.db, self.service, self.pool_size, now, self._rng)
        report.alarms = len(raise_alarms(self.db, now))
        if self.on_report is not None:
            self.on_report(report)
        return report

    def health_check(self, facility_ids: list[str]) -> list[HealthResult]:
        """Check the facilities now (today's check again where it ran already), then refill
        the pools the checks pulled from."""
        now = self.clock.now()
        self.pools_now()
        out = [
            r
            for f in facility_ids
            if (r := run_health_check(self.db, f, now, self.pool_size, force=True)) is not None
        ]
        self.pools_now()
        return out

    def pools_now(self) -> dict[str, PoolHealth]:
        """Keep the backup pools up now; their health."""
        return upkeep_pools(self.db, self.service, self.pool_size, self.clock.now(), self._rng)
