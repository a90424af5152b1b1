"""OpenTelemetry: a decision makes a span with its outcome, rule and policy version."""

from __future__ import annotations

from litestar.testing import TestClient
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.settings import Settings
from api.telemetry import build_telemetry
from engine.domain import LifecycleEvent
from tests.support.api import app_for
from tests.unit.api.conftest import Companies


def test_decision_and_transition_spans_and_metrics(companies: Companies) -> None:
    spans = InMemorySpanExporter()
    metrics = InMemoryMetricReader()
    telemetry = build_telemetry(Settings(), span_exporter=spans, metric_reader=metrics)
    a = companies.a
    app = app_for(a.rt, telemetry)
    with TestClient(app) as client:
        allowed = client.post(
            f"/v1/doors/{companies.lock(a)}/access-requests",
            json={},
            headers=companies.headers(a, "tenant"),
        ).json()
        a.pms(a.units[0], LifecycleEvent.DELINQUENT_GATE, "a1")
        denied = client.post(
            f"/v1/doors/{a.gate_id}/access-requests",
            json={},
            headers=companies.headers(a, "tenant"),
        ).json()
        client.post(
            f"/v1/units/{a.units[0]}/pending-auction",
            json={"reason": "90 days unpaid"},
            headers=companies.headers(a, "manager"),
        )
    telemetry.tracer_provider.force_flush()
    finished = spans.get_finished_spans()
    decisions = [s for s in finished if s.name == "access.decision"]
    assert [d.attributes["unitgate.decision.outcome"] for d in decisions] == ["allowed", "denied"]
    first, second = decisions
    assert first.attributes["unitgate.policy.version"] == allowed["policy_version"]
    assert first.attributes["unitgate.decision.rule"] == allowed["rule"]
    assert second.attributes["unitgate.decision.rule"] == denied["rule"]
    assert second.attributes["unitgate.unit.state"] == "gatelock"
    # Litestar's plugin made the request spans the decisions sit in.
    http = {s.context.span_id: s for s in finished if s.kind.name == "SERVER"}
    assert first.parent is not None
    assert any(s.context.trace_id == first.context.trace_id for s in http.values())
    [transition] = [s for s in finished if s.name == "lifecycle.transition"]
    assert transition.attributes["unitgate.to"] == "pending_auction"
    data = metrics.get_metrics_data()
    names = {
        m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    outcomes = {
        dp.attributes["outcome"]: dp.value
        for dp in names["unitgate.access.decisions"].data.data_points
    }
    assert outcomes == {"allowed": 1, "denied": 1}
    codes = {
        dp.attributes["reason_code"]: dp.value
        for dp in names["unitgate.access.decisions"].data.data_points
    }
    assert codes == {"none": 1, "gatelocked": 1}
    assert second.attributes["unitgate.decision.reason_code"] == "gatelocked"
    assert "unitgate.access.decision.duration" in names


def test_without_a_span_exporter_no_span_is_recorded_but_decisions_are_counted(
    companies: Companies,
) -> None:
    metrics = InMemoryMetricReader()
    telemetry = build_telemetry(Settings(otel_exporter="none"), metric_reader=metrics)
    a = companies.a
    with TestClient(app_for(a.rt, telemetry)) as client:
        answer = client.post(
            f"/v1/doors/{companies.lock(a)}/access-requests",
            json={},
            headers=companies.headers(a, "tenant"),
        )
    assert answer.status_code == 201
    with telemetry.tracer.start_as_current_span("probe") as span:
        assert not span.is_recording()  # nowhere to send it: not built
    data = metrics.get_metrics_data()
    [decisions] = [
        m
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == "unitgate.access.decisions"
    ]
    assert [dp.value for dp in decisions.data.data_points] == [1]


def test_request_instrumentation_only_when_something_collects() -> None:
    assert build_telemetry(Settings(otel_exporter="none")).plugins() == []
    spans = build_telemetry(Settings(), span_exporter=InMemorySpanExporter())
    metrics = build_telemetry(Settings(), metric_reader=InMemoryMetricReader())
    assert len(spans.plugins()) == 1
    assert len(metrics.plugins()) == 1
