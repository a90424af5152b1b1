"""Sync outcomes, receipts and lag reach the OpenTelemetry meter they are given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from adapters.pms.sim import PmsModel, Simulator
from adapters.sync import SyncMetrics, SyncWorker, WorkerConfig
from engine.clock import ManualClock
from engine.runtime import Runtime
from tests.support.pms import link_facility, served


def _points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        metric.name: list(metric.data.data_points)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
    }


def test_a_worker_round_is_counted_by_outcome_with_lags(
    sqlite_runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(datetime.now(UTC) + timedelta(seconds=2))  # the PMS changed things just now
    reader = InMemoryMetricReader()
    metrics = SyncMetrics(MeterProvider(metric_readers=[reader]).get_meter("test"))
    sim = Simulator(PmsModel.build(["F1"], 12, seed=2, occupancy=0.5))
    sim.advance(30)
    link_facility(sqlite_runtime, sim.model, "F1")
    with served(sim) as connector:
        worker = SyncWorker(sqlite_runtime, connector, WorkerConfig(name="w"), metrics=metrics)
        worker.run_once()
    points = _points(reader)
    by_outcome = {p.attributes["outcome"]: p.value for p in points["unitgate.sync.events"]}
    assert by_outcome == dict(worker.totals)
    [received] = points["unitgate.sync.received"]
    assert (received.attributes["source"], received.attributes["kind"]) == ("poll", "new")
    assert received.value == len(sim.model.log)
    [lag] = points["unitgate.sync.lag"]
    assert lag.count == by_outcome["applied"]  # every simulated change says when it happened
    assert 1 < lag.min <= lag.max < 60
