"""Applying a facility's pending events while holding its sync row lock."""

from __future__ import annotations

from adapters.sync._claims import lock_state
from adapters.sync._inbox import Processed, process_pending
from adapters.sync._metrics import SyncMetrics
from engine.runtime import Runtime

__all__ = ["drain"]


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
        with rt.db.transaction() as s:
            if lock_state(s, facility_id, wait=wait) is None:
                return total
            done = process_pending(rt, facility_id, limit=batch_size, session=s)
        if metrics is not None:
            metrics.processed(facility_id, done)
        total.outcomes.update(done.outcomes)
        total.lag_seconds.extend(done.lag_seconds)
        if done.taken == 0 or done.taken == done.outcomes["retry"]:
            return total
