"""PMS sync: the idempotent inbox, full reconcile, facility claims (row locks) and the worker."""

from adapters.sync._claims import Claim, lock_state, next_facility
from adapters.sync._drain import drain
from adapters.sync._inbox import (
    Processed,
    Receipt,
    pending_count,
    process_pending,
    receive,
    requeue,
)
from adapters.sync._metrics import SyncMetrics
from adapters.sync._quarantine import quarantined, retry_entry
from adapters.sync._reconcile import DriftReport, expected_status, reconcile
from adapters.sync._refusals import (
    KEPT_BYTES,
    PER_ADDRESS_PER_MINUTE,
    PER_FACILITY_PER_HOUR,
    refuse_unsigned,
)
from adapters.sync._webhook_secrets import (
    DEFAULT_OVERLAP,
    MAX_OVERLAP,
    company_secrets,
    fingerprint,
    rotate_secret,
    verifying_keys,
)
from adapters.sync._worker import SyncWorker, WorkerConfig

__all__ = [
    "DEFAULT_OVERLAP",
    "KEPT_BYTES",
    "MAX_OVERLAP",
    "PER_ADDRESS_PER_MINUTE",
    "PER_FACILITY_PER_HOUR",
    "Claim",
    "DriftReport",
    "Processed",
    "Receipt",
    "SyncMetrics",
    "SyncWorker",
    "WorkerConfig",
    "company_secrets",
    "drain",
    "expected_status",
    "fingerprint",
    "lock_state",
    "next_facility",
    "pending_count",
    "process_pending",
    "quarantined",
    "receive",
    "reconcile",
    "refuse_unsigned",
    "requeue",
    "retry_entry",
    "rotate_secret",
    "verifying_keys",
]
