"""The sync worker: takes a facility, polls the PMS's changes, applies them, repeats."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.exc import InterfaceError, OperationalError

from adapters.pms import PmsConnector, PmsError
from adapters.sync._claims import lock_state, next_facility
from adapters.sync._drain import drain
from adapters.sync._inbox import receive
from adapters.sync._metrics import SyncMetrics
from engine.runtime import Runtime

__all__ = ["SyncWorker", "WorkerConfig"]

log = logging.getLogger("unitgate.sync")


@dataclass(frozen=True)
class WorkerConfig:
    """How a sync worker paces itself."""

    name: str
    """This worker in `sync_state.last_worker` (host and process id by default)."""
    page_size: int = 1000
    """Changes asked from the PMS per call."""
    batch_size: int = 1000
    """Events applied per transaction (one transaction per page: 1 worker 2,000 -> 2,750
    events/s over 200; a poison event makes its batch redo one event per savepoint)."""
    idle_seconds: float = 0.5
    """Pause when a round found nothing to do."""
    max_backoff_seconds: float = 30.0
    """Longest pause after the PMS failed repeatedly."""
    pms_refs: frozenset[str] | None = None
    """Sync only the facilities with these PMS refs (those this PMS serves); None: every
    PMS-linked facility."""


@dataclass
class SyncWorker:
    """Keeps PMS-linked facilities in step with the PMS, sharing them with other workers."""

    rt: Runtime
    connector: PmsConnector
    config: WorkerConfig
    totals: Counter[str] = field(default_factory=Counter)
    """Events this worker took, by outcome (lags go to the metrics, not kept here: a worker
    runs for weeks)."""
    failures: int = 0
    """PMS calls in a row that failed (drives the backoff; reset by a success)."""
    metrics: SyncMetrics = field(default_factory=SyncMetrics)

    def run(self, stop: threading.Event) -> None:
        """Sync until `stop` is set."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except (OperationalError, InterfaceError) as exc:  # the database is away: wait
                self.failures += 1
                busy = False
                log.warning("database unavailable: %s", str(exc).splitlines()[0])
            if self.failures:
                stop.wait(min(self.config.max_backoff_seconds, 0.25 * 2 ** min(self.failures, 8)))
            elif not busy:
                stop.wait(self.config.idle_seconds)

    def run_once(self) -> bool:
        """Poll and drain the facility due next; True if anything was received or applied."""
        claim = next_facility(
            self.rt.db, self.config.name, self.rt.clock.now(), self.config.pms_refs
        )
        if claim is None:
            return False
        try:
            page = self.connector.changes(claim.pms_ref, claim.cursor, self.config.page_size)
        except PmsError as exc:
            self.failures += 1
            log.warning("facility %s: %s", claim.facility_id, exc)
            self._note_error(claim.facility_id, str(exc))
            return False
        self.failures = 0
        now = self.rt.clock.now()
        with self.rt.db.transaction() as s:
            state = lock_state(s, claim.facility_id, wait=True)
            if state is None or state.cursor != claim.cursor:
                return True  # another worker received this page first: ours is a repeat
            got = receive(s, claim.facility_id, page, "poll", now)
            state.cursor, state.last_error = page.cursor, None
            s.add(state)
        self.metrics.received(claim.facility_id, "poll", got.new, got.duplicates, got.rejected)
        drained = self.drain(claim.facility_id)
        return got.new > 0 or page.more or drained

    def drain(self, facility_id: str) -> bool:
        """Apply the facility's pending events, unless another worker is at it."""
        done = drain(
            self.rt,
            facility_id,
            batch_size=self.config.batch_size,
            wait=False,
            metrics=self.metrics,
        )
        self.totals.update(done.outcomes)
        return done.taken > 0

    def _note_error(self, facility_id: str, error: str) -> None:
        with self.rt.db.transaction() as s:
            state = lock_state(s, facility_id, wait=True)
            if state is not None:
                state.last_error = error[:500]
                s.add(state)
