"""The sync worker: claims facilities, polls the PMS's changes, applies them, repeats."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlmodel import select

from adapters.pms import PmsConnector, PmsError
from adapters.sync._inbox import Processed, process_pending, receive
from adapters.sync._lease import LeaseLost, claim, hold, release
from adapters.sync._metrics import record_processed, record_received
from engine.persistence.tables import Facility, SyncState
from engine.runtime import Runtime

__all__ = ["SyncWorker", "WorkerConfig"]

log = logging.getLogger("unitgate.sync")


@dataclass(frozen=True)
class WorkerConfig:
    """How a sync worker paces itself."""

    owner: str
    """This worker's name in leases (host and process id by default)."""
    lease_seconds: float = 15.0
    """How long a claimed facility stays this worker's without renewal."""
    page_size: int = 500
    """Changes asked from the PMS per call."""
    batch_size: int = 200
    """Events applied per transaction."""
    idle_seconds: float = 0.5
    """Pause when nothing was pending anywhere."""
    max_backoff_seconds: float = 30.0
    """Longest pause after the PMS failed repeatedly."""


@dataclass
class SyncWorker:
    """Keeps every PMS-linked facility it can lease in step with the PMS."""

    rt: Runtime
    connector: PmsConnector
    config: WorkerConfig
    totals: Processed = field(default_factory=Processed)
    failures: int = 0
    """PMS calls in a row that failed (drives the backoff; reset by a success)."""

    def run(self, stop: threading.Event) -> None:
        """Sync until `stop` is set, then give the leases back."""
        try:
            while not stop.is_set():
                busy = self.run_once()
                if self.failures:
                    stop.wait(
                        min(self.config.max_backoff_seconds, 0.5 * 2 ** min(self.failures, 8))
                    )
                elif not busy:
                    stop.wait(self.config.idle_seconds)
        finally:
            release(self.rt.db, self.config.owner)

    def run_once(self) -> bool:
        """One round over the facilities this worker holds; True if anything was done."""
        now = self.rt.clock.now()
        held = claim(self.rt.db, self.config.owner, now, self.config.lease_seconds)
        busy = False
        for facility_id in held:
            try:
                busy |= self.poll(facility_id)
                busy |= self.drain(facility_id)
            except LeaseLost as exc:
                log.warning("%s", exc)
            except PmsError as exc:
                self.failures += 1
                self._note_error(facility_id, str(exc))
                log.warning("facility %s: %s", facility_id, exc)
        return busy

    def poll(self, facility_id: str) -> bool:
        """Receive the next page of changes; the cursor moves in the same transaction."""
        with self.rt.db.read() as s:
            ref = s.exec(select(Facility.pms_ref).where(Facility.id == facility_id)).one()
            state = s.get(SyncState, facility_id)
            cursor = state.cursor if state is not None else None
        if ref is None:
            return False
        page = self.connector.changes(ref, cursor, self.config.page_size)
        self.failures = 0
        now = self.rt.clock.now()
        with self.rt.db.transaction() as s:
            state = hold(s, facility_id, self.config.owner, now)
            got = receive(s, facility_id, page, "poll", now)
            state.cursor = page.cursor
            state.last_poll_at = now
            state.last_error = None
            s.add(state)
        record_received(facility_id, "poll", got.new, got.duplicates, got.rejected)
        return got.new > 0 or page.more

    def drain(self, facility_id: str) -> bool:
        """Apply pending events in batches until none is left (or only retries)."""
        worked = False
        while True:
            with self.rt.db.transaction() as s:
                hold(s, facility_id, self.config.owner, self.rt.clock.now())
                done = process_pending(
                    self.rt, facility_id, limit=self.config.batch_size, session=s
                )
            record_processed(facility_id, done)
            self.totals.outcomes.update(done.outcomes)
            if done.taken == 0 or done.taken == done.outcomes["retry"]:
                return worked
            worked = True

    def _note_error(self, facility_id: str, error: str) -> None:
        with self.rt.db.transaction() as s:
            state = hold(s, facility_id, self.config.owner, self.rt.clock.now())
            state.last_error = error[:500]
            s.add(state)
