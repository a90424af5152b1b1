"""Sync outcomes and lag as OpenTelemetry metrics, on the meter the caller's telemetry uses."""

from __future__ import annotations

from opentelemetry import metrics
from opentelemetry.metrics import Meter

from adapters.sync._inbox import Processed

__all__ = ["SyncMetrics"]


class SyncMetrics:
    """`unitgate.sync.events` (by outcome), `unitgate.sync.received` (by source and kind) and
    the histogram `unitgate.sync.lag` (seconds from the PMS's change to its effect here)."""

    def __init__(self, meter: Meter | None = None) -> None:
        meter = meter or metrics.get_meter("unitgate.sync")
        self._events = meter.create_counter(
            "unitgate.sync.events", unit="{event}", description="PMS events by what became of them"
        )
        self._received = meter.create_counter(
            "unitgate.sync.received", unit="{event}", description="PMS events received, by source"
        )
        self._lag = meter.create_histogram(
            "unitgate.sync.lag", unit="s", description="From a change in the PMS to its effect here"
        )

    def processed(self, facility_id: str, done: Processed) -> None:
        """Count a batch's outcomes and record its lags."""
        for outcome, n in done.outcomes.items():
            self._events.add(n, {"outcome": outcome, "facility": facility_id})
        for seconds in done.lag_seconds:
            self._lag.record(seconds, {"facility": facility_id})

    def received(
        self, facility_id: str, source: str, new: int, duplicates: int, rejected: int
    ) -> None:
        """Count what one receive stored, repeated, or rejected."""
        for kind, n in (("new", new), ("duplicate", duplicates), ("rejected", rejected)):
            if n:
                self._received.add(n, {"source": source, "kind": kind, "facility": facility_id})
