"""Sync outcomes and lag as OpenTelemetry metrics (exported when the API's telemetry is on)."""

from __future__ import annotations

from opentelemetry import metrics

from adapters.sync._inbox import Processed

__all__ = ["record_processed", "record_received"]

_meter = metrics.get_meter("unitgate.sync")
_events = _meter.create_counter(
    "unitgate.sync.events", unit="{event}", description="PMS events by what became of them"
)
_received = _meter.create_counter(
    "unitgate.sync.received", unit="{event}", description="PMS events received, by source"
)
_lag = _meter.create_histogram(
    "unitgate.sync.lag", unit="s", description="From a change in the PMS to its effect here"
)


def record_processed(facility_id: str, done: Processed) -> None:
    """Count a batch's outcomes and its lags."""
    for outcome, n in done.outcomes.items():
        _events.add(n, {"outcome": outcome, "facility": facility_id})
    for seconds in done.lag_seconds:
        _lag.record(seconds, {"facility": facility_id})


def record_received(
    facility_id: str, source: str, new: int, duplicates: int, rejected: int
) -> None:
    """Count what one receive stored, repeated, or rejected."""
    for kind, n in (("new", new), ("duplicate", duplicates), ("rejected", rejected)):
        if n:
            _received.add(n, {"source": source, "kind": kind, "facility": facility_id})
