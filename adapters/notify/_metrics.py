"""The outbox as OpenTelemetry metrics: messages sent and failed (counters), queued and the
oldest queued message's age (observed from the database when metrics are collected)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from adapters.notify._marks import Outcome
from adapters.notify._status import outbox_status
from engine.clock import Clock
from engine.notify import MessageStatus
from engine.persistence import Database

__all__ = ["OutboxMetrics"]


class OutboxMetrics:
    """`unitgate.outbox.sent`, `.failed` (by channel; failed includes given up, by status),
    `.retried`; observable `unitgate.outbox.queued` and `.oldest_queued_age` (s)."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter
        self._sent = meter.create_counter(
            "unitgate.outbox.sent", unit="{message}", description="messages a provider took"
        )
        self._failed = meter.create_counter(
            "unitgate.outbox.failed",
            unit="{message}",
            description="messages failed for good or given up after the retry bound",
        )
        self._retried = meter.create_counter(
            "unitgate.outbox.retried", unit="{message}", description="tries to be repeated later"
        )

    def record(self, channel: str, outcome: Outcome) -> None:
        """Count one recorded outcome."""
        attrs = {"channel": channel}
        if outcome.status is MessageStatus.SENT:
            self._sent.add(1, attrs)
        elif outcome.status is MessageStatus.QUEUED:
            self._retried.add(1, attrs)
        else:
            self._failed.add(1, {**attrs, "status": outcome.status.value})

    def observe(self, db: Database, clock: Clock) -> None:
        """Report the queue from `db` whenever metrics are collected."""

        def queue(_: CallbackOptions) -> Iterable[Observation]:
            with db.read() as s:
                status = outbox_status(s)
            return [Observation(status.counts.get(MessageStatus.QUEUED.value, 0))]

        def age(_: CallbackOptions) -> Iterable[Observation]:
            with db.read() as s:
                status = outbox_status(s)
            return [Observation(status.oldest_age_seconds(clock.now()))]

        callbacks: list[tuple[str, str, str, Callable[[CallbackOptions], Iterable[Observation]]]]
        callbacks = [
            ("unitgate.outbox.queued", "{message}", "messages waiting to be sent", queue),
            ("unitgate.outbox.oldest_queued_age", "s", "age of the oldest queued message", age),
        ]
        for name, unit, description, callback in callbacks:
            self._meter.create_observable_gauge(
                name, callbacks=[callback], unit=unit, description=description
            )
