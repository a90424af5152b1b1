"""PMS sync: the idempotent inbox, full reconcile, facility leases and the worker."""

from adapters.sync._inbox import (
    Processed,
    Receipt,
    pending_count,
    process_pending,
    receive,
    requeue,
)
from adapters.sync._lease import LeaseLost, claim, hold, release
from adapters.sync._reconcile import DriftReport, expected_status, reconcile
from adapters.sync._worker import SyncWorker, WorkerConfig

__all__ = [
    "DriftReport",
    "LeaseLost",
    "Processed",
    "Receipt",
    "SyncWorker",
    "WorkerConfig",
    "claim",
    "expected_status",
    "hold",
    "pending_count",
    "process_pending",
    "receive",
    "reconcile",
    "release",
    "requeue",
]
