"""Applying a facility's pending events while holding its sync row lock."""

from __future__ import annotations

import time

from sqlalchemy.exc import DBAPIError

from adapters.sync._claims import lock_state
from adapters.sync._inbox import Processed, process_pending
from adapters.sync._metrics import SyncMetrics
from engine.runtime import Runtime

__all__ = ["drain"]

ROLLBACK_ATTEMPTS = 3
"""Tries of a batch that PostgreSQL rolled back to break a deadlock (e.g. with the expiry
duty or a portal action locking the same unit and chain head in the other order)."""


def _rolled_back(exc: DBAPIError) -> bool:
    """True when the database aborted the transaction to resolve a conflict between
    transactions (SQLSTATE class 40: deadlock, serialization failure): doing it again is safe,
    nothing of it was written."""
    return str(getattr(exc.orig, "sqlstate", None) or "").startswith("40")


def drain(
    rt: Runtime,
    facility_id: str,
    *,
    batch_size: int = 200,
    wait: bool = True,
    metrics: SyncMetrics | None = None,
) -> Processed:
    """Apply the facility's pending events, one transaction per batch, until none is left
    (or only events a concurrent change made retry). Batches run under the facility's row
    lock, so one applier at a time works on a facility; with `wait` false, a facility
    another worker holds is left to it."""
    total = Processed()
    while True:
        done = _batch(rt, facility_id, batch_size, wait)
        if done is None:
            return total
        if metrics is not None:
            metrics.processed(facility_id, done)
        total.outcomes.update(done.outcomes)
        total.lag_seconds.extend(done.lag_seconds)
        if done.taken == 0 or done.taken == done.outcomes["retry"]:
            return total


def _batch(rt: Runtime, facility_id: str, batch_size: int, wait: bool) -> Processed | None:
    """One batch in one transaction, tried again when the database rolled it back; None when
    another worker holds the facility."""
    for attempt in range(1, ROLLBACK_ATTEMPTS + 1):
        try:
            with rt.db.transaction() as s:
                if lock_state(s, facility_id, wait=wait) is None:
                    return None
                return process_pending(rt, facility_id, limit=batch_size, session=s)
        except DBAPIError as exc:
            if not _rolled_back(exc) or attempt == ROLLBACK_ATTEMPTS:
                raise
            time.sleep(0.01 * attempt)  # let the transaction that won finish
    raise AssertionError("unreachable")  # INVARIANT: the loop returns or raises
