"""The outbox's metrics: sent and failed counted as the worker records them; the queue's
size and its oldest message's age observed from the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from adapters.notify import Outcome
from api.settings import Settings
from api.telemetry import build_telemetry
from engine.clock import ManualClock
from engine.notify import MessageStatus
from engine.runtime import Runtime
from tests.support.outbox import queue
from tests.support.world import build_world


def _points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        m.name: list(m.data.data_points)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
    }


def test_outbox_metrics(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    clock = rt.clock
    assert isinstance(clock, ManualClock)
    world = build_world(rt, units=1)
    queue(rt.db, world.facility_id, clock.now(), count=3)
    clock.advance(timedelta(seconds=42))
    reader = InMemoryMetricReader()
    telemetry = build_telemetry(Settings(), metric_reader=reader)
    telemetry.outbox.observe(rt.db, clock)
    telemetry.outbox.record("sms", Outcome("m1", MessageStatus.SENT, "SM1"))
    telemetry.outbox.record("sms", Outcome("m2", MessageStatus.GIVEN_UP, reason="x"))
    points = _points(reader)
    assert [p.value for p in points["unitgate.outbox.queued"]] == [3]
    assert [p.value for p in points["unitgate.outbox.oldest_queued_age"]] == [42.0]
    assert [p.value for p in points["unitgate.outbox.sent"]] == [1]
    [failed] = points["unitgate.outbox.failed"]
    assert failed.value == 1 and failed.attributes["status"] == "given_up"
    telemetry.shutdown()
