"""OpenTelemetry: Litestar's plugin for request spans, ours for decisions and transitions.

The exporter is chosen by `UNITGATE_OTEL_EXPORTER` (none, console, otlp). Providers are
built per app rather than installed globally, so tests can read spans from memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from opentelemetry.metrics import Counter, Histogram, Meter
from opentelemetry.metrics import _Gauge as Gauge
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from opentelemetry.trace import INVALID_SPAN, Span, Tracer

from adapters.notify import OutboxMetrics
from adapters.sync import SyncMetrics
from api.settings import Settings
from engine.access import AccessOutcome
from engine.codes import RoundReport, UpkeepReport
from engine.domain import Channel, DenialReason
from engine.locks import Polled
from engine.persistence.tables import AlertRecord, KeypadEventRecord
from engine.units import Expired

__all__ = ["Telemetry", "build_telemetry"]


@dataclass
class Telemetry:
    """Tracer and instruments of one app; `plugins()` adds request spans."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    collecting: bool = True
    """False when nothing reads spans or metrics (exporter `none`): no request middleware."""
    tracing: bool = True
    """False when no span is exported: decisions then start no span at all."""
    tracer: Tracer = field(init=False)
    meter: Meter = field(init=False)
    decisions: Counter = field(init=False)
    decision_seconds: Histogram = field(init=False)
    transitions: Counter = field(init=False)
    expiry_lag: Histogram = field(init=False)
    lock_battery: Gauge = field(init=False)
    lock_connected: Gauge = field(init=False)
    lock_actions: Counter = field(init=False)
    lock_health_events: Counter = field(init=False)
    alerts_raised: Counter = field(init=False)
    sync: SyncMetrics = field(init=False)
    """PMS sync outcomes, receipts and lag (webhooks here; `unitgate sync` workers too)."""
    outbox: OutboxMetrics = field(init=False)
    """Messages sent and failed; the queue's size and oldest age (`observe`)."""

    def __post_init__(self) -> None:
        self.tracer = self.tracer_provider.get_tracer("unitgate")
        self.meter = self.meter_provider.get_meter("unitgate")
        self.sync = SyncMetrics(self.meter)
        self.outbox = OutboxMetrics(self.meter)
        self.decisions = self.meter.create_counter(
            "unitgate.access.decisions", description="access decisions by outcome and denial code"
        )
        self.decision_seconds = self.meter.create_histogram(
            "unitgate.access.decision.duration",
            unit="s",
            description="time to decide and record one access request",
        )
        self.transitions = self.meter.create_counter(
            "unitgate.lifecycle.transitions", description="accepted lifecycle events"
        )
        self.lock_battery = self.meter.create_gauge(
            "unitgate.lock.battery", unit="%", description="each lock's battery at its last poll"
        )
        self.lock_connected = self.meter.create_gauge(
            "unitgate.lock.connected",
            description="1 when the lock answered its last polls, 0.5 flaky, 0 disconnected",
        )
        self.lock_actions = self.meter.create_counter(
            "unitgate.lock.remote_actions", description="remote actions by outcome"
        )
        self.lock_health_events = self.meter.create_counter(
            "unitgate.lock.health_events", description="lock health changes by kind"
        )
        self.alerts_raised = self.meter.create_counter(
            "unitgate.alerts.raised", description="alerts opened, by rule and severity"
        )
        self.codes_pending = self.meter.create_gauge(
            "unitgate.codes.pending",
            description="keypad codes wanted on each lock and not set yet, after the last round",
        )
        self.codes_calls = self.meter.create_counter(
            "unitgate.codes.calls",
            description="lock-service calls of keypad rounds by outcome (created, refused, ...)",
        )
        self.codes_failed = self.meter.create_gauge(
            "unitgate.codes.failed",
            description="keypad codes failing on each lock (refused and not set, or not removed)",
        )
        self.codes_lag = self.meter.create_histogram(
            "unitgate.codes.lag",
            unit="s",
            description="from a change of the codes wanted to the round that found it on the lock",
        )
        self.codes_backup_ready = self.meter.create_gauge(
            "unitgate.codes.backup.ready",
            description="backup codes set and ready in each keypad lock's pool",
        )
        self.codes_alarms = self.meter.create_counter(
            "unitgate.codes.alarms", description="keypad incidents the operator was emailed"
        )
        self.codes_round_seconds = self.meter.create_histogram(
            "unitgate.codes.round.duration", unit="s", description="one keypad reconcile round"
        )
        self.expiry_lag = self.meter.create_histogram(
            "unitgate.expiry.lag",
            unit="s",
            description="from an emergency's or access window's stated end to its recorded expiry",
        )

    def plugins(self) -> list[OpenTelemetryPlugin]:
        """Litestar's own OpenTelemetry plugin on this telemetry's providers, when anything
        collects what it records (its middleware was ~8 % of a request's CPU for nothing)."""
        if not self.collecting:
            return []
        config = OpenTelemetryConfig(
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
            exclude=["^/health$"],
        )
        return [OpenTelemetryPlugin(config)]

    @contextmanager
    def decision_span(self, door_id: str, channel: str) -> Iterator[Span]:
        """A span around one access decision; `record_decision` fills in the outcome."""
        start = perf_counter()
        if not self.tracing:  # even a sampled-out span and its context were ~3 % of a request
            yield INVALID_SPAN
        else:
            with self.tracer.start_as_current_span(
                "access.decision",
                attributes={"unitgate.door.id": door_id, "unitgate.channel": channel},
            ) as span:
                yield span
        self.decision_seconds.record(perf_counter() - start, {"unitgate.channel": channel})

    def record_decision(self, span: Span, outcome: AccessOutcome) -> None:
        """Put the decision's policy version, rule and outcome on `span` and count it, by
        outcome, principal, channel and denial code (`none` when allowed: a fixed list)."""
        decision = outcome.decision
        code = decision.reason_code.value if decision.reason_code is not None else "none"
        request = outcome.chosen.candidate.request
        label = "allowed" if decision.allowed else "denied"
        state = request.unit_state.value if request.unit_state is not None else None
        if span.is_recording():
            span.set_attributes(
                {
                    "unitgate.decision.outcome": label,
                    "unitgate.decision.rule": decision.rule or "default-deny",
                    "unitgate.decision.reason_code": code,
                    "unitgate.policy.version": decision.policy_version,
                    "unitgate.principal.kind": request.principal.value,
                    "unitgate.door.kind": request.door.value,
                    "unitgate.unit.state": str(state),
                    "unitgate.facility.id": outcome.site.facility_id,
                }
            )
        self.decisions.add(
            1,
            {
                "outcome": label,
                "principal": request.principal.value,
                "channel": request.channel.value,
                "reason_code": code,
            },
        )

    @contextmanager
    def transition_span(self, unit_id: str, event: str) -> Iterator[Span]:
        """A span around one lifecycle event applied through the API."""
        with self.tracer.start_as_current_span(
            "lifecycle.transition",
            attributes={"unitgate.unit.id": unit_id, "unitgate.event": event},
        ) as span:
            yield span

    def record_transition(self, span: Span, attributes: dict[str, Any]) -> None:
        """Put a transition's from/to states on `span` and count it."""
        span.set_attributes({f"unitgate.{k}": v for k, v in attributes.items()})
        self.transitions.add(1, {"event": str(attributes.get("event", ""))})

    def record_alert(self, alert: AlertRecord) -> None:
        """Count an alert the alert duty opened."""
        self.alerts_raised.add(1, {"rule": alert.rule, "severity": alert.severity})

    def record_expiry(self, expired: Expired) -> None:
        """Count an expiry the duty recorded, and its lag behind the stated end."""
        event = expired.event.value
        self.transitions.add(1, {"event": event})
        self.expiry_lag.record(max(0.0, expired.lag_seconds), {"event": event})

    def record_codes_round(self, report: RoundReport) -> None:
        """A keypad round: each lock's pending codes, the calls by outcome, its duration."""
        for lock in report.locks:
            self.codes_pending.set(lock.pending, {"lock": lock.device_id})
        for outcome in ("created", "updated", "deleted", "refused", "failed_removals"):
            self.codes_calls.add(report.total(outcome), {"outcome": outcome})
        down = sum(1 for lock in report.locks if lock.down)
        self.codes_calls.add(down, {"outcome": "unreachable"})
        self.codes_round_seconds.record(report.seconds)

    def record_keypad_events(self, rows: Sequence[KeypadEventRecord]) -> None:
        """Keypad events landed as decisions, counted with the other decisions (channel
        `keypad`; a refused code has the code `invalid_code`)."""
        for row in rows:
            if row.decision_id is None:
                continue  # a lock matched to no door: no decision
            allowed = row.kind == "unlocked"
            self.decisions.add(
                1,
                {
                    "outcome": "allowed" if allowed else "denied",
                    "principal": "keypad",
                    "channel": Channel.KEYPAD.value,
                    "reason_code": "none" if allowed else DenialReason.INVALID_CODE.value,
                },
            )

    def record_codes_upkeep(self, report: UpkeepReport) -> None:
        """A keypad upkeep: codes failing per lock, the lags measured, pools' ready codes,
        the alarms raised."""
        for device, pool in report.pools.items():
            attributes = {"lock": device}
            self.codes_failed.set(report.lag.failed.get(device, 0), attributes)
            self.codes_backup_ready.set(pool.ready, {**attributes, "health": pool.health})
        for seconds in report.lag.lags:
            self.codes_lag.record(seconds)
        self.codes_alarms.add(report.alarms)

    def record_lock_poll(self, polled: Polled) -> None:
        """A lock's battery and connectivity as just polled, and its health changes."""
        attrs = {"lock": polled.lock_id, "facility": polled.facility_id}
        health = polled.health
        if health.battery_percent is not None:
            self.lock_battery.set(health.battery_percent, attrs)
        level = {"connected": 1.0, "flaky": 0.5, "disconnected": 0.0}.get(health.connectivity)
        if level is not None:
            self.lock_connected.set(level, attrs)
        for change in polled.changes:
            self.lock_health_events.add(1, {"kind": change.kind})

    def record_lock_action(self, status: str, error: str | None) -> None:
        """Count a remote action's outcome (`success`, or its error)."""
        self.lock_actions.add(1, {"outcome": error or status})

    def shutdown(self) -> None:
        """Flush and stop exporters."""
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def build_telemetry(
    settings: Settings,
    *,
    span_exporter: SpanExporter | None = None,
    metric_reader: MetricReader | None = None,
) -> Telemetry:
    """Providers with the configured exporter (or the given ones, for tests)."""
    resource = Resource.create({"service.name": "unitgate"})
    readers: list[MetricReader] = [metric_reader] if metric_reader is not None else []
    exporter = span_exporter
    if exporter is None and settings.otel_exporter != "none":
        exporter, metric_exporter = _exporters(settings)
        readers.append(PeriodicExportingMetricReader(metric_exporter))
    # With nowhere to send spans, none is recorded: building and ending a recording span
    # per request and decision was ~10 % of an access request's CPU for nothing.
    tracer_provider = TracerProvider(
        resource=resource, sampler=ParentBased(ALWAYS_ON) if exporter else ALWAYS_OFF
    )
    if exporter is not None:
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    return Telemetry(
        tracer_provider,
        meter_provider,
        collecting=bool(exporter or readers),
        tracing=exporter is not None,
    )


def _exporters(settings: Settings) -> tuple[SpanExporter, Any]:
    if settings.otel_exporter == "console":
        return ConsoleSpanExporter(), ConsoleMetricExporter()
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    base = (settings.otel_endpoint or "http://localhost:4318").rstrip("/")
    return (
        OTLPSpanExporter(endpoint=f"{base}/v1/traces"),
        OTLPMetricExporter(endpoint=f"{base}/v1/metrics"),
    )
